// `record` for sim domains: start a recording (creating the domain from its
// config, or on a live one), follow it until it ends, and stop it. The
// recording itself runs inside the domain's process; this side only asks
// and watches, so a detached recording goes on without it.
import {rmSync} from 'node:fs'
import {ReseerError} from '../cli/errors.js'
import {logDirFor, type DomainConfig} from '../config/domain-config.js'
import {logInfo, type LogInfo} from '../log/info.js'
import type {RecordProgress} from '../record/settings.js'
import {call} from './protocol.js'
import {createDomain} from './create.js'
import {requireDomain} from './control.js'
import {findRecord} from './rundir.js'

export interface RecordOptions {
  interval?: string
  mode?: string
  durationMs?: number
  /** Remove an existing log directory first. */
  force?: boolean
  /** Where the log goes; beside the config file by default. */
  logDir?: string
}


export interface RecordSummary {
  domain: string
  logDir: string
  /** How the recording ended, as the domain's process reported it. */
  end?: unknown
  error?: string
  log: LogInfo
}

function prepareLogDir(dir: string, force?: boolean): void {
  if (force) rmSync(dir, {recursive: true, force: true})
}

/** Create the domain of `config` and record it from its first instruction. */
export async function recordFromConfig(config: DomainConfig, options: RecordOptions): Promise<{domain: string; logDir: string; domid: number}> {
  const logDir = options.logDir ?? logDirFor(config.configFile)
  prepareLogDir(logDir, options.force)
  const created = await createDomain(config, {record: {logDir, interval: options.interval, mode: options.mode, durationMs: options.durationMs}})
  return {domain: created.name, logDir, domid: created.domid}
}

/** Record a live sim domain from now on: full checkpoint first, then as usual. */
export async function recordLiveDomain(nameOrId: string, options: RecordOptions): Promise<{domain: string; logDir: string; domid: number}> {
  const record = requireDomain(nameOrId)
  const logDir = options.logDir ?? logDirFor(record.configFile)
  prepareLogDir(logDir, options.force)
  await call(record.socket, {op: 'record-start', logDir, interval: options.interval, mode: options.mode, durationMs: options.durationMs}, 60_000)
  return {domain: record.name, logDir, domid: record.domid}
}

/** End a recording; the domain runs on. */
export async function stopRecording(nameOrId: string): Promise<RecordSummary> {
  const record = requireDomain(nameOrId)
  const reply = await call(record.socket, {op: 'record-stop'}, 120_000)
  const logDir = String(reply.logDir)
  return {domain: record.name, logDir, end: reply.end, log: logInfo(logDir)}
}

/** Take a checkpoint now in the recording of a sim domain. */
export async function checkpointDomain(nameOrId: string): Promise<{domain: string; logDir: string; checkpoint: number}> {
  const record = requireDomain(nameOrId)
  const reply = await call(record.socket, {op: 'checkpoint'}, 60_000)
  return {domain: record.name, logDir: String(reply.logDir), checkpoint: Number(reply.checkpoint)}
}

/**
 * Watch a recording until it ends: the guest stops (the domain's process
 * writes the last checkpoint, then goes away) or someone stops it. `stop`
 * resolving asks for the end (Ctrl-C).
 */
export async function followRecording(domain: string, logDir: string, onProgress: (p: RecordProgress) => void, stop: Promise<void>): Promise<RecordSummary> {
  let stopping = false
  let end: unknown
  let error: string | undefined
  void stop.then(() => (stopping = true))
  for (;;) {
    const record = findRecord(domain)
    if (!record?.alive) break
    let reply: Record<string, unknown>
    try {
      reply = await call(record.socket, {op: 'status'}, 10_000)
    } catch {
      break // the domain went away between the look-up and the call
    }
    const rec = reply.record as (RecordProgress & {logDir?: string; end?: unknown; error?: string}) | undefined
    if (!reply.recording) {
      if (rec?.logDir === logDir) {
        end = rec.end
        error = rec.error
      }
      break
    }
    if (rec) onProgress(rec)
    if (stopping) {
      const stopped = await call(record.socket, {op: 'record-stop'}, 120_000).catch((e: Error) => ({ok: false, error: e.message}) as Record<string, unknown>)
      end = stopped.end
      error = stopped.error as string | undefined
      break
    }
    await Promise.race([new Promise((resolve) => setTimeout(resolve, 250)), stop])
  }
  // A domain whose guest powered off leaves once its last checkpoint is written.
  let info: LogInfo
  try {
    info = logInfo(logDir)
  } catch (cause) {
    throw new ReseerError(`recording of ${domain} left no readable log in ${logDir}: ${(cause as Error).message}`, {code: 'ERECORD', cause})
  }
  if (error) throw new ReseerError(`recording of ${domain} failed: ${error}`, {code: 'ERECORD'})
  return {domain, logDir, end, log: info}
}
