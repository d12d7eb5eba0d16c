// Machine snapshots taken at decision points, keyed by the decisions that led
// there, so that a candidate sharing a prefix with a run already made resumes
// from the longest cached prefix instead of from the checkpoint. A binary trie
// over decision bits holds them; the least recently used snapshot goes first
// when the cache would exceed its byte budget.

import type {Path} from './path.js'

interface Node<T> {
  parent: Node<T> | undefined
  bit: number
  children: [Node<T> | undefined, Node<T> | undefined]
  entry: T | undefined
  bytes: number
}

/** A rough cost of a trie node, so that long chains of bare nodes count against the budget too. */
const NODE_BYTES = 64

export interface PrefixHit<T> {
  /** How many decisions the snapshot stands after. */
  depth: number
  entry: T
}

export class PrefixCache<T> {
  private readonly root: Node<T> = newNode(undefined, 0)
  /** Nodes holding an entry, least recently used first (Map keeps insertion order). */
  private readonly recent = new Map<Node<T>, true>()
  private used = 0
  private nodes = 1
  hits = 0
  misses = 0

  constructor(readonly maxBytes: number) {}

  get size(): number {
    return this.recent.size
  }

  get bytes(): number {
    return this.used + this.nodes * NODE_BYTES
  }

  /**
   * The entry at the longest prefix of `path` (then of `path` followed by
   * `tailBit` repeated, when a tail bit is given: the decisions a run takes
   * once the path's own bits are used up).
   */
  longest(path: Path, tailBit?: number): PrefixHit<T> | undefined {
    let node = this.root
    let best: Node<T> | undefined = node.entry === undefined ? undefined : node
    let bestDepth = 0
    let depth = 0
    for (;;) {
      const bit = depth < path.length ? path[depth] : tailBit
      if (bit === undefined) break
      const next = node.children[bit]
      if (!next) break
      node = next
      depth++
      if (node.entry !== undefined) {
        best = node
        bestDepth = depth
      }
    }
    if (!best) {
      this.misses++
      return undefined
    }
    this.hits++
    this.recent.delete(best)
    this.recent.set(best, true)
    return {depth: bestDepth, entry: best.entry as T}
  }

  has(prefix: ArrayLike<number>, length: number): boolean {
    let node: Node<T> | undefined = this.root
    for (let i = 0; i < length && node; i++) node = node.children[prefix[i]]
    return node?.entry !== undefined
  }

  /** Store `entry` of `bytes` bytes after the first `length` decisions of `prefix`. */
  put(prefix: ArrayLike<number>, length: number, entry: T, bytes: number): void {
    if (bytes + NODE_BYTES * (length + 1) > this.maxBytes) return
    let node = this.root
    for (let i = 0; i < length; i++) {
      const bit = prefix[i]
      let next = node.children[bit]
      if (!next) {
        next = newNode(node, bit)
        node.children[bit] = next
        this.nodes++
      }
      node = next
    }
    if (node.entry !== undefined) {
      this.used -= node.bytes
      this.recent.delete(node)
    }
    node.entry = entry
    node.bytes = bytes
    this.used += bytes
    this.recent.set(node, true)
    while (this.bytes > this.maxBytes && this.recent.size > 1) {
      const oldest = this.recent.keys().next().value as Node<T>
      if (oldest === node) break
      this.evict(oldest)
    }
  }

  clear(): void {
    for (const node of [...this.recent.keys()]) this.evict(node)
  }

  private evict(node: Node<T>): void {
    this.recent.delete(node)
    this.used -= node.bytes
    node.entry = undefined
    node.bytes = 0
    // Bare leaves left behind hold nothing: cut them back to the next node that does.
    let leaf: Node<T> | undefined = node
    while (leaf && leaf.parent && leaf.entry === undefined && !leaf.children[0] && !leaf.children[1]) {
      leaf.parent.children[leaf.bit] = undefined
      this.nodes--
      leaf = leaf.parent
    }
  }
}

function newNode<T>(parent: Node<T> | undefined, bit: number): Node<T> {
  return {parent, bit, children: [undefined, undefined], entry: undefined, bytes: 0}
}
