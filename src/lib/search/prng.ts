// The one source of randomness of the search. Every random choice a strategy
// makes comes from a SeededRandom built from the user's seed, so that the same
// log and the same seed give the same path, and a failing run can be repeated
// from the seed it printed. xoshiro128** over four 32-bit words: small state,
// fast in 32-bit JavaScript arithmetic, and good enough statistics for a GA.

import {ReseerError} from '../cli/errors.js'

/** Seeds are integers a user can type: 0 .. 2^53-1. */
export function checkSeed(seed: number): number {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new ReseerError(`seed ${seed} is not a whole number between 0 and ${Number.MAX_SAFE_INTEGER}`, {code: 'EBADSEED'})
  }
  return seed
}

export class SeededRandom {
  private s0: number
  private s1: number
  private s2: number
  private s3: number

  constructor(seed: number) {
    checkSeed(seed)
    // splitmix32 spreads the two halves of the seed over the four words, so
    // neighbouring seeds start far apart and no seed gives the all-zero state.
    let x = (seed >>> 0) ^ Math.imul(Math.floor(seed / 0x1_0000_0000) >>> 0, 0x9e37_79b9)
    const next = (): number => {
      x = (x + 0x9e37_79b9) | 0
      let z = x
      z = Math.imul(z ^ (z >>> 16), 0x85eb_ca6b)
      z = Math.imul(z ^ (z >>> 13), 0xc2b2_ae35)
      return (z ^ (z >>> 16)) >>> 0
    }
    this.s0 = next()
    this.s1 = next()
    this.s2 = next()
    this.s3 = next()
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0
    const t = this.s1 << 9
    this.s2 ^= this.s0
    this.s3 ^= this.s1
    this.s1 ^= this.s2
    this.s0 ^= this.s3
    this.s2 ^= t
    this.s3 = rotl(this.s3, 11)
    return result
  }

  /** A float in [0, 1) with 53 random bits. */
  float(): number {
    const high = this.nextU32() >>> 5
    const low = this.nextU32() >>> 6
    return (high * 67_108_864 + low) / 9_007_199_254_740_992
  }

  /** An integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 0x1_0000_0000) throw new RangeError(`int(${n}): n must be an integer in 1..2^32`)
    // Rejection keeps every value equally likely when n does not divide 2^32.
    const limit = 0x1_0000_0000 - (0x1_0000_0000 % n)
    for (;;) {
      const u = this.nextU32()
      if (u < limit) return u % n
    }
  }

  /** true with probability p. */
  chance(p: number): boolean {
    return this.float() < p
  }

  /** A random bit, 0 or 1. */
  bit(): 0 | 1 {
    return (this.nextU32() >>> 31) as 0 | 1
  }

  /**
   * An independent generator derived from this one, for a worker or a
   * sub-task: the parent advances by a fixed amount, so forking is itself
   * reproducible.
   */
  fork(): SeededRandom {
    const child = Object.create(SeededRandom.prototype) as SeededRandom
    child.s0 = this.nextU32()
    child.s1 = this.nextU32()
    child.s2 = this.nextU32()
    child.s3 = this.nextU32()
    if ((child.s0 | child.s1 | child.s2 | child.s3) === 0) child.s0 = 1
    return child
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k))
}
