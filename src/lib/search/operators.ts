// The genetic operators over paths of different lengths. A path's length is
// the number of decision points its run reached, so two parents rarely have
// the same length; cut points are drawn within the shorter one and the child
// keeps the tail of whichever parent the last segment comes from.

import type {SeededRandom} from './prng.js'
import type {Path} from './path.js'
import type {Crossover} from './settings.js'

export function crossover(kind: Crossover, a: Path, b: Path, random: SeededRandom): Path {
  const shorter = Math.min(a.length, b.length)
  switch (kind) {
    case 'one-point': {
      const cut = random.int(shorter + 1)
      return concat(a.subarray(0, cut), b.subarray(cut))
    }
    case 'two-point': {
      let first = random.int(shorter + 1)
      let second = random.int(shorter + 1)
      if (first > second) [first, second] = [second, first]
      return concat(a.subarray(0, first), b.subarray(first, second), a.subarray(second))
    }
    case 'uniform': {
      const child = new Uint8Array(Math.max(a.length, b.length))
      for (let i = 0; i < child.length; i++) {
        if (i >= a.length) child[i] = b[i]
        else if (i >= b.length) child[i] = a[i]
        else child[i] = random.bit() ? a[i] : b[i]
      }
      return child
    }
  }
}

/** A copy with each bit flipped with probability `rate`. */
export function mutate(path: Path, rate: number, random: SeededRandom): Path {
  const child = Uint8Array.from(path)
  if (rate <= 0) return child
  // Geometric skipping draws one number per flip instead of one per bit,
  // which matters on paths of thousands of decisions.
  if (rate >= 1) {
    for (let i = 0; i < child.length; i++) child[i] ^= 1
    return child
  }
  const logKeep = Math.log(1 - rate)
  let i = -1
  for (;;) {
    i += 1 + Math.floor(Math.log(1 - random.float()) / logKeep)
    if (i >= child.length) return child
    child[i] ^= 1
  }
}

/**
 * Move one switch between harts by one decision point: swap a random pair of
 * neighbouring bits that differ. A few tries find one in any path that has a
 * switch at all; a path without one is left as it is.
 */
export function shift(path: Path, random: SeededRandom): Path {
  const child = Uint8Array.from(path)
  if (child.length < 2) return child
  for (let tries = 0; tries < 8; tries++) {
    const i = random.int(child.length - 1)
    if (child[i] !== child[i + 1]) {
      child[i] ^= 1
      child[i + 1] ^= 1
      return child
    }
  }
  return child
}

/** Random bits where each decision continues with probability `continueChance`. */
export function randomPath(length: number, continueChance: number, random: SeededRandom): Path {
  const path = new Uint8Array(length)
  for (let i = 0; i < length; i++) path[i] = random.chance(continueChance) ? 1 : 0
  return path
}

function concat(...parts: Path[]): Path {
  const child = new Uint8Array(parts.reduce((n, part) => n + part.length, 0))
  let at = 0
  for (const part of parts) {
    child.set(part, at)
    at += part.length
  }
  return child
}
