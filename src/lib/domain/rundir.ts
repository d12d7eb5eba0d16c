// Where live sim domains are registered: one JSON file and one Unix socket
// per domain in the runtime directory, like xl's /var/run/xen. The file is
// written by the domain's own process (the device model, in Xen terms) and
// removed when it exits; a file whose process is gone is a dead domain that
// the next reader reports once and cleans up.
import {closeSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, writeSync} from 'node:fs'
import {join} from 'node:path'
import {ReseerError} from '../cli/errors.js'

export interface DomainRecord {
  name: string
  domid: number
  pid: number
  configFile: string
  socket: string
  vcpus: number
  memoryMiB: number
  /** Unix time in ms when the domain was created. */
  created: number
}

/** The runtime directory: $RESEER_XL_RUNDIR, /run/reseer-xl for root, else per user. */
export function runDir(): string {
  const dir = process.env.RESEER_XL_RUNDIR
    ?? (process.getuid?.() === 0 ? '/run/reseer-xl' : join(process.env.XDG_RUNTIME_DIR ?? '/tmp', `reseer-xl-${process.getuid?.() ?? 0}`))
  mkdirSync(dir, {recursive: true, mode: 0o700})
  return dir
}

export function recordPath(name: string): string {
  return join(runDir(), `${name}.json`)
}

export function socketPath(name: string): string {
  return join(runDir(), `${name}.sock`)
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
  // A killed process whose parent has not reaped it yet (in a container whose
  // init does not reap, for a long while) still answers signal 0: a zombie.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return true
  }
}

/** Every registered domain, each with whether its process still lives. */
export function listRecords(): Array<DomainRecord & {alive: boolean}> {
  const dir = runDir()
  const out: Array<DomainRecord & {alive: boolean}> = []
  for (const entry of readdirSync(dir)) {
    if (!entry.endsWith('.json')) continue
    let record: DomainRecord
    try {
      record = JSON.parse(readFileSync(join(dir, entry), 'utf8')) as DomainRecord
    } catch {
      continue // being written right now (we rename into place, so rare) or foreign
    }
    out.push({...record, alive: processAlive(record.pid)})
  }
  return out.sort((a, b) => a.domid - b.domid)
}

export function findRecord(nameOrId: string): (DomainRecord & {alive: boolean}) | undefined {
  const records = listRecords()
  if (/^\d+$/.test(nameOrId)) {
    const byId = records.find((r) => r.domid === Number(nameOrId))
    if (byId) return byId
  }
  return records.find((r) => r.name === nameOrId)
}

/** Remove what a dead domain left behind. */
export function removeRecord(name: string): void {
  rmSync(recordPath(name), {force: true})
  rmSync(socketPath(name), {force: true})
}

export function writeRecord(record: DomainRecord): void {
  const path = recordPath(record.name)
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify(record, null, 2) + '\n', {mode: 0o600})
  renameSync(tmp, path)
}

/**
 * Claim a name and a domain id. The claim is an exclusive lock file per name,
 * so two `create`s of one name cannot both win; ids grow from 1 as in xl
 * (0 is the control domain).
 */
export function claimDomain(name: string): {domid: number; release: () => void} {
  const lock = join(runDir(), `${name}.lock`)
  let fd: number
  try {
    fd = openSync(lock, 'wx', 0o600)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    const holder = Number(readFileSync(lock, 'utf8').trim())
    if (Number.isInteger(holder) && holder > 0 && processAlive(holder)) {
      throw new ReseerError(`domain '${name}' already exists`, {code: 'EEXIST', hint: `see 'reseer-xl list'; destroy it first or choose another name`})
    }
    rmSync(lock, {force: true})
    return claimDomain(name)
  }
  writeSync(fd, String(process.pid))
  closeSync(fd)
  const used = new Set(listRecords().map((r) => r.domid))
  let domid = 1
  while (used.has(domid)) domid++
  return {domid, release: () => rmSync(lock, {force: true})}
}

export function releaseClaim(name: string): void {
  rmSync(join(runDir(), `${name}.lock`), {force: true})
}
