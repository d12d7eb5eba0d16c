// The example configs are read by the real config layer the way the verbs
// read them, and point at the committed ELFs and the devices the workloads need.
import t from 'tap'
import {existsSync, readdirSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {loadDomainConfig} from '../../src/lib/config/domain-config.js'
import {bootargsOf, elfOf} from './workload.js'

const examples = fileURLToPath(new URL('../../examples/', import.meta.url))
const names = readdirSync(examples)
  .filter((f) => f.endsWith('.cfg'))
  .map((f) => f.slice(0, -4))

t.test('every example boots its workload on 2 harts in 64 MiB', async (t) => {
  t.ok(names.length >= 7)
  for (const name of names) {
    const cfg = loadDomainConfig(`${examples}${name}.cfg`, {backend: 'sim'})
    t.equal(cfg.name, name)
    t.equal(cfg.kernel, elfOf(name), `${name}: kernel resolves against the config's directory`)
    t.ok(existsSync(cfg.kernel!), `${name}: the ELF is committed`)
    t.equal(cfg.vcpus, 2)
    t.equal(cfg.memoryMiB, 64)
    t.equal(cfg.cmdline ?? '', bootargsOf(name), `${name}: bootargs as the tests pass them`)
    t.same(cfg.warnings, [], `${name}: no warnings`)
  }
})

t.test('dbench has a raw read-write disk next to its config', async (t) => {
  const cfg = loadDomainConfig(`${examples}dbench.cfg`, {backend: 'sim'})
  t.equal(cfg.disks.length, 1)
  t.match(cfg.disks[0], {target: `${examples}dbench.img`, format: 'raw', access: 'rw'})
})

t.test('netperf has a UDP vif to a loopback echo peer', async (t) => {
  const cfg = loadDomainConfig(`${examples}netperf.cfg`, {backend: 'sim'})
  t.equal(cfg.vifs.length, 1)
  t.match(cfg.vifs[0], {type: 'udp', udpPeer: {host: '127.0.0.1', port: 7001}, udpLocal: {host: '127.0.0.1', port: 7002}})
})
