// What the crash writer writes, shared with the test that checks it.
import {EventKind, encodeTimeRead} from '../../src/lib/log/events.js'
import type {LogHeaderInit} from '../../src/lib/log/header.js'
import {page} from './fixture.js'

export const CRASH_VCPUS = 2
export const CRASH_PAGES = 256

export function crashHeader(): LogHeaderInit {
  return {backend: 'sim', domain: 'crash', vcpus: CRASH_VCPUS, memoryBytes: CRASH_PAGES * 4096, mode: 'reseer', config: {}, creator: {tool: 'reseer-xl', version: 'test'}}
}

export const CRASH_EVENT = EventKind.TimeRead

/** Event n of a vCPU reads the clock at a value both numbers show in. */
export function eventPayload(vcpu: number, n: bigint): Buffer {
  return Buffer.from(encodeTimeRead(n * 16n + BigInt(vcpu)))
}

const contents = new Map<number, Buffer>()

/** Pages written at checkpoint k: 40 pages, some repeating content of earlier checkpoints. */
export function checkpointPages(k: number): Map<number, Buffer> {
  const pages = new Map<number, Buffer>()
  for (let j = 0; j < 40; j++) {
    const seed = (k * 40 + j) % 300 + 1
    if (!contents.has(seed)) contents.set(seed, page(seed))
    pages.set((k * 37 + j * 5) % CRASH_PAGES, contents.get(seed)!)
  }
  return pages
}

/** Guest memory at checkpoints 0, 1, 2, ..., as the writer built it. */
export function* expectedMemories(): Generator<Buffer> {
  const memory = Buffer.alloc(CRASH_PAGES * 4096)
  for (let k = 0; ; k++) {
    for (const [p, data] of checkpointPages(k)) data.copy(memory, p * 4096)
    yield memory
  }
}
