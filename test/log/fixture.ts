// Building blocks of the log tests: a header for a small sim domain and a
// log with a few checkpoints, events, a summary and a found path.
import {EventKind, encodeInterrupt, encodeTimeRead} from '../../src/lib/log/events.js'
import {writeFoundPath} from '../../src/lib/log/found-path.js'
import type {LogHeaderInit} from '../../src/lib/log/header.js'
import {pageSet} from '../../src/lib/log/summary.js'
import {LogWriter} from '../../src/lib/log/writer.js'

export function headerInit(vcpus = 2, pages = 64): LogHeaderInit {
  return {
    backend: 'sim', domain: 'dom1', vcpus, memoryBytes: pages * 4096, mode: 'reseer',
    config: {name: 'dom1', vcpus, memory: 1}, creator: {tool: 'reseer-xl', version: 'test'},
  }
}

/** A page filled from a small seed, so different seeds give different pages. */
export function page(seed: number): Buffer {
  const p = Buffer.alloc(4096)
  for (let i = 0; i < 4096; i += 4) p.writeUInt32LE((seed * 2654435761 + (i >> 4)) >>> 0, i)
  return p
}

/** Three checkpoints over two vCPUs, with events between them, one summary and one path. */
export function writeSampleLog(dir: string): void {
  const w = LogWriter.create(dir, headerInit())
  const vcpus = (n: bigint) => [{state: Buffer.from('hart0'), instret: n}, {state: Buffer.from('hart1'), instret: n * 2n}]
  w.checkpoint({vcpus: vcpus(0n), device: Buffer.from('dev0'), pages: new Map([[0, page(1)], [1, page(2)], [2, page(1)]]), meta: {consoleBytes: 0}})
  for (let i = 0; i < 10; i++) {
    w.append(0, EventKind.TimeRead, BigInt(i * 10), encodeTimeRead(BigInt(1000 + i)))
    w.append(1, EventKind.Interrupt, BigInt(i * 20), encodeInterrupt(7))
  }
  w.checkpoint({vcpus: vcpus(100n), device: Buffer.from('dev1'), pages: new Map([[1, page(3)], [3, page(3)]]), disks: {xvda: new Map([[5, page(9)]])}})
  w.append(0, EventKind.TimeRead, 150n, encodeTimeRead(2000n))
  w.checkpoint({vcpus: vcpus(200n), device: Buffer.from('dev2'), pages: new Map([[0, Buffer.alloc(4096)]])})
  w.writeSummary({interval: 0, vcpus: [{read: pageSet([0, 1, 2]), written: pageSet([1])}, {read: pageSet([1]), written: pageSet([3])}]})
  w.close()
  writeFoundPath(dir, {interval: 0, path: Buffer.from([0b1011]), bits: 4, meta: {seed: 1, strategy: 'ga', settings: {population: 8}, evaluations: 12, fitness: 1}})
}
