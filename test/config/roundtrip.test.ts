// Property: any valid domain, written out as xl.cfg text by `config check`,
// reads back as the very same domain.
import t from 'tap'
import fc from 'fast-check'
import {isDeepStrictEqual} from 'node:util'
import {DOMAIN_ACTIONS, DOMAIN_TYPES, DomainConfig, parseDomainConfig} from '../../src/lib/config/domain-config.js'
import {DISK_BACKEND_TYPES, DISK_FORMATS, DiskConfig} from '../../src/lib/config/disk-spec.js'
import {VifConfig} from '../../src/lib/config/vif-spec.js'
import {formatDomainConfig} from '../../src/lib/config/xlcfg-writer.js'

const CONFIG_FILE = '/srv/xen/prop.cfg'

/** Drop absent optional fields, as the parser never sets them. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}

const token = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,11}$/)
const anyText = fc.string({unit: 'binary', maxLength: 24})
// Absolute paths with anything but NUL in them: quotes, backslashes, commas, blanks, other scripts.
const absolutePath = fc.string({unit: fc.oneof(fc.constantFrom('/', ',', ' ', '"', "'", '\\', '\t', '='), fc.integer({min: 0x20, max: 0x7e}).map((c) => String.fromCharCode(c)), fc.constantFrom('é', '字', '\n')), maxLength: 20})
  .map((s) => '/' + s.replace(/\0/g, ''))
const name = fc.tuple(fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCXYZ'), fc.string({unit: fc.constantFrom(...'abz019_-.:+@"\'é'), maxLength: 12}))
  .map(([first, rest]) => first + rest)
const action = fc.constantFrom(...DOMAIN_ACTIONS)
const endpoint = fc.record({host: fc.constantFrom('127.0.0.1', 'localhost', '::1', '10.1.2.3'), port: fc.integer({min: 1, max: 65535})})

function disk(backend: 'sim' | 'xen', vdev: string): fc.Arbitrary<DiskConfig> {
  return fc.record({
    cdrom: fc.boolean(), target: fc.option(absolutePath, {nil: undefined}), ro: fc.boolean(),
    format: backend === 'sim' ? fc.constant('raw' as const) : fc.constantFrom(...DISK_FORMATS),
    backendtype: backend === 'sim' ? fc.constant(undefined) : fc.option(fc.constantFrom(...DISK_BACKEND_TYPES), {nil: undefined}),
    backend: backend === 'sim' ? fc.constant(undefined) : fc.option(token, {nil: undefined}),
    script: backend === 'sim' ? fc.constant(undefined) : fc.option(token, {nil: undefined}),
    discard: fc.option(fc.boolean(), {nil: undefined}), directIoSafe: fc.boolean(),
  }).map((d) => {
    const access = d.cdrom || d.ro ? 'ro' as const : 'rw' as const
    return defined({
      target: d.cdrom ? d.target : d.target ?? '/dev/vg/' + vdev,
      format: d.format, vdev, access, readonly: access === 'ro', devtype: d.cdrom ? 'cdrom' as const : 'disk' as const,
      backendtype: d.backendtype, backend: d.backend, script: d.script, discard: d.discard, directIoSafe: d.directIoSafe,
    })
  })
}

function vif(backend: 'sim' | 'xen', mac: string, devid: number): fc.Arbitrary<VifConfig> {
  const opt = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, {nil: undefined})
  const xenOnly = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => (backend === 'xen' ? opt(a) : fc.constant(undefined))
  return fc.record({
    bridge: opt(token), ip: xenOnly(fc.array(fc.ipV4(), {minLength: 1, maxLength: 3}).map((a) => a.join(' '))),
    type: backend === 'sim' ? fc.constant('udp' as const) : opt(fc.constantFrom('ioemu' as const, 'vif' as const)),
    model: backend === 'sim' ? opt(fc.constant('virtio-net')) : opt(token),
    vifname: opt(token), script: opt(token), backend: xenOnly(token),
    rate: opt(fc.constantFrom('10Mb/s', '1GB/s@20ms', '100Kb/s@50us')), mtu: opt(fc.integer({min: 68, max: 65535})),
    gatewaydev: xenOnly(token),
    udpPeer: backend === 'sim' ? endpoint : fc.constant(undefined), udpLocal: backend === 'sim' ? endpoint : fc.constant(undefined),
  }).map((v) => defined({mac, devid, ...v}))
}

const unicastMac = fc.array(fc.integer({min: 0, max: 255}), {minLength: 6, maxLength: 6})
  .map((b) => [b[0] & 0xfe, ...b.slice(1)].map((x) => x.toString(16).padStart(2, '0')).join(':'))

const domain: fc.Arbitrary<DomainConfig> = fc.constantFrom('sim' as const, 'xen' as const).chain((backend) => fc.record({
  name, type: fc.constantFrom(...DOMAIN_TYPES),
  vcpus: fc.integer({min: 1, max: 64}), extraVcpus: fc.integer({min: 0, max: 8}),
  memoryMiB: fc.integer({min: 1, max: 1024}), extraMem: fc.integer({min: 0, max: 1024}),
  kernel: backend === 'sim' ? absolutePath : fc.option(absolutePath, {nil: undefined}),
  ramdisk: fc.option(absolutePath, {nil: undefined}), cmdline: fc.option(anyText, {nil: undefined}),
  vdevs: fc.uniqueArray(fc.constantFrom('xvda', 'xvdb', 'hda', 'hdc', 'sda1', 'd0p1', 'xvdaa'), {maxLength: 3}),
  macs: fc.uniqueArray(unicastMac, {maxLength: 3}),
  onPoweroff: action, onReboot: action, onCrash: action,
}).chain((c) => fc.record({
  disks: fc.tuple(...c.vdevs.map((v) => disk(backend, v))),
  vifs: fc.tuple(...c.macs.map((m, i) => vif(backend, m, i))),
}).map(({disks, vifs}) => defined({
  name: c.name, type: c.type, vcpus: c.vcpus, maxvcpus: c.vcpus + c.extraVcpus,
  memoryMiB: c.memoryMiB, maxmemMiB: c.memoryMiB + c.extraMem,
  kernel: c.kernel, ramdisk: c.ramdisk, cmdline: c.cmdline,
  disks, vifs, onPoweroff: c.onPoweroff, onReboot: c.onReboot, onCrash: c.onCrash,
  backend, configFile: CONFIG_FILE, unknownKeys: [], warnings: [],
}))))

// One assertion per property: fast-check reports the seed and the smallest
// failing domain, with its text, when a run does not read back.
t.test('written and read back, a domain is unchanged', async (t) => {
  t.doesNotThrow(() => fc.assert(fc.property(domain, (config) => {
    const text = formatDomainConfig(config)
    const back = parseDomainConfig(text, CONFIG_FILE)
    // fast-check may build objects without a prototype; the model is plain JSON either way.
    if (!isDeepStrictEqual(back, JSON.parse(JSON.stringify(config)))) throw new Error(`read back differently:\n${text}\n${JSON.stringify(back)}`)
  }), {seed: 20171, numRuns: 300}))
})

t.test('writing is stable: the second writing equals the first', async (t) => {
  t.doesNotThrow(() => fc.assert(fc.property(domain, (config) => {
    const once = formatDomainConfig(config)
    const twice = formatDomainConfig(parseDomainConfig(once, CONFIG_FILE))
    if (twice !== once) throw new Error(`written differently:\n${once}\n${twice}`)
  }), {seed: 2017, numRuns: 100}))
})
