import t from 'tap'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {DomainConfig, loadDomainConfig, logDirFor, parseDomainConfig} from '../../src/lib/config/domain-config.js'
import {xenHypervisorPresent} from '../../src/lib/config/hypervisor.js'
import {derivedMac} from '../../src/lib/config/vif-spec.js'
import {messageOf} from './spec-helpers.js'

const xen = (text: string, file = '/etc/xen/dom.cfg'): DomainConfig => parseDomainConfig(text, file, {backend: 'xen'})
const sim = (text: string, file = '/etc/xen/dom.cfg'): DomainConfig => parseDomainConfig(text, file, {backend: 'sim'})

t.test('a PV guest with kernel, ramdisk, root and extra', async (t) => {
  const c = xen(`name = "pv1"
type = "pv"
kernel = "/boot/vmlinuz-6.1"
ramdisk = "initrd.img"
root = "/dev/xvda1 ro"
extra = "console=hvc0"
memory = 256
maxmem = 512
vcpus = 2
maxvcpus = 4
disk = [ 'phy:/dev/vg/pv1,xvda,w' ]
vif = [ 'bridge=xenbr0' ]
on_reboot = "destroy"
`, '/etc/xen/pv1.cfg')
  t.same(c, {
    name: 'pv1', type: 'pv', vcpus: 2, maxvcpus: 4, memoryMiB: 256, maxmemMiB: 512,
    kernel: '/boot/vmlinuz-6.1', ramdisk: '/etc/xen/initrd.img', cmdline: 'root=/dev/xvda1 ro console=hvc0',
    disks: [{target: '/dev/vg/pv1', format: 'raw', vdev: 'xvda', access: 'rw', readonly: false, devtype: 'disk', directIoSafe: false, backendtype: 'phy'}],
    vifs: [{mac: derivedMac('pv1', 0), devid: 0, bridge: 'xenbr0'}],
    onPoweroff: 'destroy', onReboot: 'destroy', onCrash: 'destroy',
    backend: 'xen', configFile: '/etc/xen/pv1.cfg', unknownKeys: [], warnings: [],
  })
})

t.test('an HVM guest by the old builder key, with xl defaults filled in', async (t) => {
  const c = xen(`builder = "hvm"
name = "win"
disk = [ 'format=raw, vdev=hda, access=rw, target=/dev/vg/win', '/iso/win.iso,,hdc,cdrom' ]
vif = [ 'type=ioemu, model=e1000, mac=00:16:3e:00:00:10', 'type=ioemu, model=e1000, mac=00:16:3e:00:00:11' ]
`)
  t.equal(c.type, 'hvm')
  t.equal(c.vcpus, 1)
  t.equal(c.maxvcpus, 1)
  t.equal(c.memoryMiB, 32)
  t.equal(c.maxmemMiB, 32)
  t.equal(c.kernel, undefined)
  t.equal(c.cmdline, undefined)
  t.same(c.disks.map((d) => [d.vdev, d.devtype, d.access]), [['hda', 'disk', 'rw'], ['hdc', 'cdrom', 'ro']])
  t.same(c.vifs.map((v) => [v.mac, v.devid]), [['00:16:3e:00:00:10', 0], ['00:16:3e:00:00:11', 1]])
  t.same([c.onPoweroff, c.onReboot, c.onCrash], ['destroy', 'restart', 'destroy'])
  t.equal(xen('name = "p"').type, 'pv', "PV is xl's default")
  t.equal(xen('name = "p"\nbuilder = "generic"').type, 'pv')
})

t.test('cmdline wins over root and extra, with a warning as xl gives', async (t) => {
  const c = xen('name = "a"\nroot = "/dev/xvda"\ncmdline = "quiet"\nextra = "x"\n')
  t.equal(c.cmdline, 'quiet')
  t.same(c.warnings, [{line: 3, column: 1, message: 'root and extra are ignored in favour of cmdline'}])
  t.equal(xen('name = "a"\nroot = "/dev/xvda"').cmdline, 'root=/dev/xvda')
  t.equal(xen('name = "a"\nextra = "init=/bin/sh"').cmdline, 'init=/bin/sh')
  const both = xen('name = "a"\ntype = "pvh"\nbuilder = "hvm"')
  t.equal(both.type, 'pvh')
  t.same(both.warnings, [{line: 3, column: 1, message: 'builder is ignored because type is given'}])
})

t.test('unknown keys are kept with their places, never rejected', async (t) => {
  const c = xen(`name = "busy"
serial = "pty"
vnc = 1 ; vnclisten = "0.0.0.0"
usbdevice = [ "tablet" ]
cpus = "0-3"
name = "busy"
serial = "file:/tmp/x"
`)
  t.same(c.unknownKeys, [
    {key: 'serial', line: 7, column: 1},
    {key: 'vnc', line: 3, column: 1},
    {key: 'vnclisten', line: 3, column: 11},
    {key: 'usbdevice', line: 4, column: 1},
    {key: 'cpus', line: 5, column: 1},
  ])
})

t.test('a sim domain: UDP vifs, raw disks, a kernel', async (t) => {
  const c = sim(`name = "smp2"
vcpus = 2
memory = 16
kernel = "../guests/race.elf"
disk = [ 'images/data.img,,xvda' ]
vif = [ 'type=udp, ip=127.0.0.1:5555, localaddr=127.0.0.1:5556' ]
`, 'cfg/smp2.cfg')
  t.equal(c.backend, 'sim')
  t.equal(c.kernel, resolve('guests/race.elf'))
  t.equal(c.configFile, resolve('cfg/smp2.cfg'))
  t.equal(c.disks[0].target, resolve('cfg/images/data.img'))
  t.same(c.vifs[0].udpPeer, {host: '127.0.0.1', port: 5555})
  t.same(c.vifs[0].udpLocal, {host: '127.0.0.1', port: 5556})
})

t.test('the backend: caller, then reseer_backend, then what the host has', async (t) => {
  const text = 'name = "b"\nkernel = "k"\nreseer_backend = "xen"\n'
  t.equal(parseDomainConfig(text, 'b.cfg').backend, 'xen')
  t.equal(parseDomainConfig(text, 'b.cfg', {backend: 'sim'}).backend, 'sim')
  t.equal(parseDomainConfig('name = "b"\nkernel = "k"', 'b.cfg').backend, xenHypervisorPresent() ? 'xen' : 'sim')
  t.type(xenHypervisorPresent(), 'boolean')
  t.equal(messageOf(() => parseDomainConfig('name = "b"\nreseer_backend = "kvm"', 'b.cfg')), 'b.cfg:2:18: reseer_backend must be "sim", "xen"; found "kvm"')
  t.equal(messageOf(() => parseDomainConfig('name = "b"', 'b.cfg', {backend: 'qemu' as 'sim'})), "unknown backend 'qemu'; expected sim or xen")
})

t.test('validation errors name the place of the value', async (t) => {
  const cases: Array<[string, string]> = [
    ['memory = 64', "d.cfg: no name = \"...\" setting; every domain needs a name"],
    ['name = ""', "d.cfg:1:8: the name is empty; use letters, digits and -_.:+@"],
    ['name = "42"', "d.cfg:1:8: name '42' is all digits, which xl would read as a domain id; use letters, digits and -_.:+@"],
    ['name = "a/b"', "d.cfg:1:8: name 'a/b' contains a path separator; use letters, digits and -_.:+@"],
    ['name = "my dom"', 'd.cfg:1:8: name "my dom" contains a blank or control character; use letters, digits and -_.:+@'],
    ['name = "Domain-0"', "d.cfg:1:8: name 'Domain-0' belongs to the control domain; use letters, digits and -_.:+@"],
    ['name = 7', 'd.cfg:1:8: name must be a string (in quotes), found the number 7'],
    ['name = "a"\nvcpus = 0', 'd.cfg:2:9: vcpus must be at least 1, found 0'],
    ['name = "a"\nvcpus = 4\nmaxvcpus = 2', 'd.cfg:3:12: maxvcpus 2 is less than vcpus 4'],
    ['name = "a"\nmemory = "512"', 'd.cfg:2:10: memory must be a number, found the string "512"'],
    ['name = "a"\nmemory = [ 512 ]', 'd.cfg:2:10: memory must be a number, found a list'],
    ['name = "a"\nmemory = 512\nmaxmem = 256', 'd.cfg:3:10: maxmem 256 is less than memory 512'],
    ['name = "a"\ntype = "kvm"', 'd.cfg:2:8: type must be "pv", "pvh", "hvm"; found "kvm"'],
    ['name = "a"\non_crash = "reboot"', 'd.cfg:2:12: on_crash must be "destroy", "restart", "rename-restart", "preserve", "coredump-destroy", "coredump-restart", "soft-reset"; found "reboot"'],
    ['name = "a"\nkernel = ""', 'd.cfg:2:10: kernel is empty'],
    ['name = "a"\ndisk = "/a,,xvda"', 'd.cfg:2:8: disk must be a list, found the string "/a,,xvda"'],
    ['name = "a"\ndisk = [ 5 ]', 'd.cfg:2:10: each disk entry must be a spec string (in quotes), found the number 5'],
    ["name = \"a\"\ndisk = [ '/a,,xvda', '/b,,xvda' ]", "d.cfg:2:22: vdev 'xvda' is used by disk 1 already"],
    ["name = \"a\"\nvif = [ 'mac=00:16:3e:00:00:01', 'mac=00:16:3e:00:00:01' ]", 'd.cfg:2:34: mac 00:16:3e:00:00:01 is used by vif 1 already'],
    ["name = \"a\"\nvif = [ 'devid=1', 'devid=1' ]", 'd.cfg:2:20: devid 1 is used by vif 1 already'],
  ]
  for (const [text, expected] of cases) t.equal(messageOf(() => xen(text, 'd.cfg')), expected, text)
})

t.test('what the sim machine cannot do is refused', async (t) => {
  const cases: Array<[string, string]> = [
    ['name = "a"', 'd.cfg: no kernel = "..." setting; the sim backend boots the guest ELF named by kernel'],
    ['name = "a"\nkernel = "k"\nmemory = 4096', "d.cfg:3:10: 4096 MiB does not fit the sim machine's RAM (at most 2048 MiB from 0x80000000)"],
    ['name = "a"\nkernel = "k"\nvcpus = 5000', 'd.cfg:3:9: the sim machine has at most 4095 harts, not 5000'],
    ["name = \"a\"\nkernel = \"k\"\ndisk = [ '/a,qcow2,xvda' ]", 'd.cfg:3:10: the sim backend reads raw images only, not qcow2'],
    ["name = \"a\"\nkernel = \"k\"\ndisk = [ 'vdev=xvda, script=block-drbd, target=r0' ]", 'd.cfg:3:10: script, backendtype and backend need the xen backend'],
  ]
  for (const [text, expected] of cases) t.equal(messageOf(() => sim(text, 'd.cfg')), expected, text)
})

t.test('loading a file: relative paths against its directory, clear errors when it is not there', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'reseer-config-'))
  const file = join(dir, 'dom1.cfg')
  writeFileSync(file, 'name = "dom1"\nkernel = "guest.elf"\nramdisk = "/abs/initrd"\nreseer_backend = "sim"\n')
  const c = loadDomainConfig(file)
  t.equal(c.kernel, join(dir, 'guest.elf'))
  t.equal(c.ramdisk, '/abs/initrd')
  t.equal(c.configFile, file)
  t.same(JSON.parse(JSON.stringify(c)), c, 'plain JSON data')
  t.equal(messageOf(() => loadDomainConfig(join(dir, 'none.cfg'))), `${join(dir, 'none.cfg')}: no such file`)
  t.equal(messageOf(() => loadDomainConfig(dir)), `${dir}: is a directory, expected a domain config file`)
  t.throws(() => loadDomainConfig(join(dir, 'none.cfg')), {code: 'ENOCONFIG'})
})

t.test('the log directory sits beside the config file', async (t) => {
  t.equal(logDirFor('/etc/xen/dom1.cfg'), '/etc/xen/dom1.reseer')
  t.equal(logDirFor('/srv/vm/web.front.cfg'), '/srv/vm/web.front.reseer')
  t.equal(logDirFor('/srv/vm/noext'), '/srv/vm/noext.reseer')
  t.equal(logDirFor('cfg/dom2.cfg'), resolve('cfg/dom2.reseer'))
})
