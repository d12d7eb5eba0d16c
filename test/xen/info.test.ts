// `reseer-xl info` and the capability table behind it and behind the
// refusals of search and replay on Xen recordings.
import t from 'tap'
import {existsSync} from 'node:fs'
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {ReseerError} from '../../src/lib/cli/errors.js'
import {capabilitiesFrom, requireCapability} from '../../src/lib/backend/xen/capabilities.js'
import {infoLines} from '../../src/lib/backend/xen/info.js'
import {PRIVCMD_DEVICE} from '../../src/lib/backend/xen/probe.js'

const bin = fileURLToPath(new URL('../../bin/run.js', import.meta.url))
const noHypervisor = existsSync(PRIVCMD_DEVICE) ? 'this host runs under Xen' : false

t.test('info without a hypervisor: the sim backend, and why not Xen', {skip: noHypervisor}, async (t) => {
  const r = spawnSync(process.execPath, [bin, 'info'], {encoding: 'utf8'})
  t.equal(r.status, 0)
  t.equal(r.stderr, '')
  const lines = r.stdout.trimEnd().split('\n')
  t.match(lines[0], /^host {19}: \S+$/)
  t.equal(lines[1], 'backend                : sim')
  t.match(lines[2], /^reseer_xl_version {6}: \d+\.\d+\.\d+$/)
  t.equal(lines[3], `xen                    : Xen is unavailable: no ${PRIVCMD_DEVICE} (not running as dom0 of a Xen hypervisor)`)
  t.equal(lines.length, 4)

  const json = spawnSync(process.execPath, [bin, 'info', '--json'], {encoding: 'utf8'})
  t.equal(json.status, 0)
  const doc = JSON.parse(json.stdout)
  t.equal(doc.backend, 'sim')
  t.match(doc.xenUnavailable, /^Xen is unavailable: no \/dev\/xen\/privcmd/)
  t.notOk('xen' in doc)
})

t.test('capabilities follow the hypervisor and CPU facts', async (t) => {
  const intel = capabilitiesFrom({hvm: true, hap: true, intel: true, vmEventVersion: 7})
  t.same(intel.capabilities, {logDirty: true, memAccess: true, vmEvent: true, eventInjection: false, searchReplay: false})
  const amd = capabilitiesFrom({hvm: true, hap: true, intel: false, vmEventVersion: 7})
  t.equal(amd.capabilities.memAccess, false)
  t.equal(amd.reasons.memAccess, 'mem_access needs Intel VT-x with EPT; this CPU is not Intel')
  const noHap = capabilitiesFrom({hvm: true, hap: false, intel: true, vmEventVersion: 7})
  t.match(noHap.reasons.memAccess, /hardware-assisted paging/)
  const noVmEvent = capabilitiesFrom({hvm: true, hap: true, intel: true, vmEventVersion: -1})
  t.same([noVmEvent.capabilities.vmEvent, noVmEvent.capabilities.memAccess], [false, false])
})

t.test('search and replay of a Xen recording are refused precisely', async (t) => {
  let error: ReseerError | undefined
  try {
    requireCapability('searchReplay')
  } catch (e) {
    error = e as ReseerError
  }
  t.type(error, ReseerError)
  t.equal(error!.code, 'ENOCAP')
  t.equal(
    error!.message,
    'the xen backend cannot provide search and replay: search and replay of Xen recordings need per-vCPU instruction-exact event injection: a per-vCPU retired-instruction counter with a precise overflow exit, injection of interrupts and values at exact counts, and exits on time reads (RDTSC/RDTSCP/RDPMC)',
  )
  t.throws(() => requireCapability('eventInjection'), {code: 'ENOCAP', message: /stock Xen has no per-vCPU instruction-exact event injection/})
  t.doesNotThrow(() => requireCapability('logDirty'))
  const amd = capabilitiesFrom({hvm: true, hap: true, intel: false, vmEventVersion: 7})
  t.throws(() => requireCapability('memAccess', amd), {message: 'the xen backend cannot provide mem_access page protection: mem_access needs Intel VT-x with EPT; this CPU is not Intel'})
})

t.test('on Xen, info lists the hypervisor and every capability', async (t) => {
  const {capabilities, reasons} = capabilitiesFrom({hvm: true, hap: true, intel: true, vmEventVersion: 7})
  const lines = infoLines({
    host: 'dom0',
    backend: 'xen',
    version: '0.1.0',
    xen: {xenVersion: '4.17.5', xenCapabilities: 'xen-3.0-x86_64 hvm-3.0-x86_64', nrCpus: 8, threadsPerCore: 2, coresPerSocket: 4, nrNodes: 1, cpuMhz: 2400, totalMemoryMiB: 32768, freeMemoryMiB: 1024, capabilities, reasons},
  })
  t.equal(lines[1], 'backend                : xen')
  t.equal(lines[3], 'xen_version            : 4.17.5')
  t.ok(lines.includes('nr_cpus                : 8'))
  t.ok(lines.includes('total_memory           : 32768'))
  t.ok(lines.includes('cap_log_dirty          : yes'))
  t.ok(lines.includes('cap_mem_access         : yes'))
  t.ok(lines.includes('cap_vm_event           : yes'))
  t.ok(lines.some((l) => /^cap_event_injection {4}: no \(stock Xen has no per-vCPU instruction-exact event injection/.test(l)))
  t.ok(lines.some((l) => /^cap_search_replay {6}: no \(/.test(l)))
})
