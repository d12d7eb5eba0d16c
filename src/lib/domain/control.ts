// What the domain verbs do to sim domains, apart from their rendering:
// find a domain by name or id, reap dead ones, and send it requests.
import {ReseerError} from '../cli/errors.js'
import {xenHypervisorPresent} from '../config/hypervisor.js'
import {passthroughToXl} from '../xl/passthrough.js'
import {call} from './protocol.js'
import {findRecord, listRecords, removeRecord, releaseClaim, type DomainRecord} from './rundir.js'

export interface DomainSummary {
  name: string
  domid: number
  memoryMiB: number
  vcpus: number
  /** xl's state letters: r running, b blocked, p paused, s shutdown, c crashed, d dying. */
  state: string
  /** Guest CPU time so far, in seconds (sum over harts of retired instructions at the nominal rate). */
  cpuSeconds: number
  configFile: string
  pid: number
  alive: boolean
  recording?: string
}

/** Reap a domain whose process died: report it once, leave nothing behind. */
function reap(record: DomainRecord): void {
  removeRecord(record.name)
  releaseClaim(record.name)
}

/** Every sim domain, asking each live one for its state; dead ones are listed as crashed and cleaned up. */
export async function listDomains(): Promise<DomainSummary[]> {
  const out: DomainSummary[] = []
  for (const record of listRecords()) {
    const base = {name: record.name, domid: record.domid, memoryMiB: record.memoryMiB, vcpus: record.vcpus, configFile: record.configFile, pid: record.pid}
    if (!record.alive) {
      reap(record)
      out.push({...base, state: '----c-', cpuSeconds: 0, alive: false})
      continue
    }
    try {
      const reply = await call(record.socket, {op: 'status'}, 5000)
      out.push({...base, state: String(reply.state ?? 'r-----'), cpuSeconds: Number(reply.cpuSeconds ?? 0), alive: true, recording: reply.recording as string | undefined})
    } catch {
      out.push({...base, state: '------', cpuSeconds: 0, alive: true})
    }
  }
  return out
}

/** The live domain called NAME (or with that id), or a clear error. */
export function requireDomain(nameOrId: string): DomainRecord {
  const record = findRecord(nameOrId)
  if (!record) {
    throw new ReseerError(`no sim domain '${nameOrId}'`, {code: 'ENODOMAIN', hint: "see 'reseer-xl list'"})
  }
  if (!record.alive) {
    reap(record)
    throw new ReseerError(`domain '${record.name}' is dead (its process ${record.pid} exited); cleaned up`, {code: 'EDEAD'})
  }
  return record
}

/**
 * A simple state change (pause, unpause, destroy) of a sim domain; with
 * dryRun only says what it would do.
 */
export async function changeDomain(nameOrId: string, op: 'pause' | 'unpause' | 'destroy', dryRun: boolean):
Promise<{domain: string; domid: number; done: boolean; message: string}> {
  const record = requireDomain(nameOrId)
  const which = `domain ${record.name} (id ${record.domid})`
  if (dryRun) return {domain: record.name, domid: record.domid, done: false, message: `would ${op} ${which}`}
  await call(record.socket, {op}, op === 'destroy' ? 30_000 : 10_000)
  const past = {pause: 'paused', unpause: 'unpaused', destroy: 'destroyed'}[op]
  return {domain: record.name, domid: record.domid, done: true, message: `${past} ${which}`}
}

/**
 * On a Xen host a name that is not a sim domain is a Xen domain: hand the
 * verb to xl as typed. Returns xl's exit status, or undefined when the verb
 * is ours to handle (a sim domain, or no hypervisor to ask).
 */
export async function xlForForeignDomain(nameOrId: string, argv: readonly string[]): Promise<number | undefined> {
  if (findRecord(nameOrId) || !xenHypervisorPresent()) return undefined
  return passthroughToXl(argv)
}
