// Machine snapshots taken at decision points, keyed by the decisions that led
// there, so that a candidate sharing a prefix with a run already made resumes
// from the longest cached prefix instead of from the checkpoint. Real
// intervals reach millions of decision points, so a prefix is not kept as a
// chain of trie nodes but as a hash per depth that holds a snapshot: two
// independent 32-bit polynomial hashes and the depth, which the runner grows
// as its run goes rather than hashing each prefix again. Two different
// prefixes of one depth would have to agree in 64 hash bits to be confused;
// a path found through such a mix-up would still fail its verification by
// replay, so nothing wrong can be reported as found. The least recently used snapshot goes first when the cache would
// exceed its byte budget.

import type {Path} from './path.js'

interface Entry<T> {
  key: string
  depth: number
  value: T
  bytes: number
}

/** A rough cost of an entry beside its snapshot. */
const ENTRY_BYTES = 128

export interface PrefixHit<T> {
  /** How many decisions the snapshot stands after. */
  depth: number
  entry: T
}

export class PrefixCache<T> {
  private readonly entries = new Map<string, Entry<T>>()
  /** Entries per depth, so a lookup hashes only as far as the deepest snapshot. */
  private readonly depths = new Map<number, number>()
  private deepest = 0
  /** The keys of `depths` in order, built again after a change. */
  private sorted: number[] | undefined = []
  /** Entries, least recently used first (Map keeps insertion order). */
  private readonly recent = new Map<Entry<T>, true>()
  private used = 0
  hits = 0
  misses = 0

  constructor(readonly maxBytes: number) {}

  get size(): number {
    return this.recent.size
  }

  get bytes(): number {
    return this.used
  }

  /**
   * The entry at the longest prefix of `path` (then of `path` followed by
   * `tailBit` repeated, when a tail bit is given: the decisions a run takes
   * once the path's own bits are used up).
   */
  longest(path: Path, tailBit?: number): PrefixHit<T> | undefined {
    const limit = tailBit === undefined ? Math.min(path.length, this.deepest) : this.deepest
    let best: Entry<T> | undefined
    const hash = new PrefixHash()
    const depths = (this.sorted ??= [...this.depths.keys()].sort((a, b) => a - b))
    let at = 0
    for (const depth of depths) {
      if (depth > limit) break
      // Hash the bits up to this depth: the path's own, then the tail bit's.
      const own = Math.min(depth, path.length)
      if (at < own) {
        hash.pushAll(path, at, own)
        at = own
      }
      if (at < depth) {
        hash.pushRun(tailBit as number, depth - at)
        at = depth
      }
      const entry = this.entries.get(hash.key(depth))
      if (entry) best = entry
    }
    if (!best) {
      this.misses++
      return undefined
    }
    this.hits++
    this.recent.delete(best)
    this.recent.set(best, true)
    return {depth: best.depth, entry: best.value}
  }

  /** Whether a snapshot is stored after the prefix whose hash is `hash`, `length` decisions long. */
  has(hash: PrefixHash, length: number): boolean {
    return this.depths.has(length) && this.entries.has(hash.key(length))
  }

  /** Store `value` of `bytes` bytes after the `length` decisions hashed in `hash`. */
  put(hash: PrefixHash, length: number, value: T, bytes: number): void {
    const cost = bytes + ENTRY_BYTES
    if (cost > this.maxBytes) return
    const key = hash.key(length)
    const old = this.entries.get(key)
    if (old) this.evict(old)
    const entry: Entry<T> = {key, depth: length, value, bytes: cost}
    this.entries.set(key, entry)
    this.recent.set(entry, true)
    if (!this.depths.has(length)) this.sorted = undefined
    this.depths.set(length, (this.depths.get(length) ?? 0) + 1)
    this.deepest = Math.max(this.deepest, length)
    this.used += cost
    while (this.used > this.maxBytes) {
      const oldest = this.recent.keys().next().value as Entry<T>
      this.evict(oldest)
    }
  }

  private evict(entry: Entry<T>): void {
    this.recent.delete(entry)
    this.entries.delete(entry.key)
    this.used -= entry.bytes
    const left = (this.depths.get(entry.depth) ?? 1) - 1
    if (left > 0) {
      this.depths.set(entry.depth, left)
    } else {
      this.depths.delete(entry.depth)
      this.sorted = undefined
      if (entry.depth === this.deepest) this.deepest = Math.max(0, ...this.depths.keys())
    }
  }
}

const MUL_A = 0x01000193
const MUL_B = 0x5bd1e995

/** Runs shorter than this are pushed a bit at a time. */
const SHORT_RUN = 8

/**
 * Two independent polynomial hashes of a bit string, grown one bit at a
 * time: h ← h·M + c(bit), modulo 2³². A run of n equal bits (paths are long
 * runs of continues) is pushed at once: h ← h·Mⁿ + c·(1 + M + … + Mⁿ⁻¹).
 */
export class PrefixHash {
  private a = 0
  private b = 0

  push(bit: number): void {
    this.a = (Math.imul(this.a, MUL_A) + bit + 1) | 0
    this.b = (Math.imul(this.b, MUL_B) + (bit ? 0x9e3779b9 : 0x7f4a7c15)) | 0
  }

  /** The same bit `count` times. */
  pushRun(bit: number, count: number): void {
    if (count < SHORT_RUN) {
      for (let i = 0; i < count; i++) this.push(bit)
      return
    }
    const [powerA, sumA] = geometric(MUL_A, count)
    const [powerB, sumB] = geometric(MUL_B, count)
    this.a = (Math.imul(this.a, powerA) + Math.imul(bit + 1, sumA)) | 0
    this.b = (Math.imul(this.b, powerB) + Math.imul(bit ? 0x9e3779b9 : 0x7f4a7c15, sumB)) | 0
  }

  pushAll(bits: ArrayLike<number>, from = 0, to = bits.length): void {
    const scan = bits instanceof Uint8Array ? bits : undefined
    let i = from
    while (i < to) {
      const bit = bits[i]
      let j = i + 1
      while (j < to && j - i < SHORT_RUN && bits[j] === bit) j++
      if (j - i === SHORT_RUN && scan) {
        // Only as far as `to`: the run may go on far beyond it.
        const other = scan.subarray(j, to).indexOf(bit ^ 1)
        j = other < 0 ? to : j + other
      }
      this.pushRun(bit, j - i)
      i = j
    }
  }

  key(depth: number): string {
    return `${depth}:${this.a >>> 0}:${this.b >>> 0}`
  }
}

/** [Mⁿ, 1 + M + … + Mⁿ⁻¹] modulo 2³², by doubling from the top bit of n. */
function geometric(m: number, n: number): [number, number] {
  let power = 1
  let sum = 0
  for (let bit = 31 - Math.clz32(n); bit >= 0; bit--) {
    sum = Math.imul(sum, 1 + power)
    power = Math.imul(power, power)
    if ((n >>> bit) & 1) {
      sum = (sum + power) | 0
      power = Math.imul(power, m)
    }
  }
  return [power, sum]
}

/** The hash of the first `length` bits of `prefix`. */
export function hashOf(prefix: ArrayLike<number>, length: number): PrefixHash {
  const hash = new PrefixHash()
  hash.pushAll(prefix, 0, length)
  return hash
}
