// What the record tests share: the bundled workloads as machine options, a
// recording of one into a fresh directory, and readers of what the log holds.
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {LogReader} from '../../src/lib/log/reader.js'
import type {MachineOptions} from '../../src/lib/sim/machine.js'
import {RecordSession, type RecordResult} from '../../src/lib/record/session.js'
import type {RecordSettings} from '../../src/lib/record/settings.js'
import {bootargsOf, elfOf} from '../guests/workload.js'

export const creator = {tool: 'reseer-xl', version: 'test'}

export function workload(name: string, extra: Partial<MachineOptions> = {}): MachineOptions {
  return {vcpus: 2, memoryMiB: 64, kernel: elfOf(name), cmdline: bootargsOf(name), disks: [], vifs: [], ...extra}
}

export function freshLogDir(name: string): string {
  return join(mkdtempSync(join(tmpdir(), 'reseer-record-')), `${name}.reseer`)
}

export async function record(options: MachineOptions, dir: string, settings: Partial<RecordSettings> = {}): Promise<{result: RecordResult; session: RecordSession}> {
  const session = RecordSession.boot(options, dir, {creator, ...settings})
  const result = await session.run()
  return {result, session}
}

/** Events per kind over every hart's whole stream. */
export function kindCounts(dir: string): Map<number, number> {
  const reader = LogReader.open(dir)
  try {
    const counts = new Map<number, number>()
    for (let h = 0; h < reader.header.vcpus; h++) {
      for (const event of reader.events(h)) counts.set(event.kind, (counts.get(event.kind) ?? 0) + 1)
    }
    return counts
  } finally {
    reader.close()
  }
}

/** The console output the checkpoints carry, joined in order. */
export function loggedConsole(reader: LogReader): string {
  let text = ''
  for (let k = 0; k < reader.checkpointCount; k++) {
    const meta = reader.manifest(k).meta
    if (meta.consoleOffset !== Buffer.byteLength(text)) throw new Error(`checkpoint ${k} says console offset ${String(meta.consoleOffset)}, the log holds ${text.length} bytes before it`)
    text += Buffer.from(meta.console as string, 'base64').toString('latin1')
  }
  return text
}

export function reasons(reader: LogReader): string[] {
  return Array.from({length: reader.checkpointCount}, (_, k) => reader.manifest(k).meta.reason as string)
}
