// `reseer-xl config check` as a user runs it: the built command, a real file.
import t from 'tap'
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {dirname, resolve} from 'node:path'
import {loadDomainConfig} from '../../src/lib/config/domain-config.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const bin = resolve(root, 'bin/run.js')
const fixture = 'test/config/fixtures/sim-smp.cfg'

function check(...args: string[]) {
  return spawnSync(process.execPath, [bin, 'config', 'check', ...args], {cwd: root, encoding: 'utf8'})
}

t.test('a good file: exit 0 and the domain in xl layout', async (t) => {
  const run = check(fixture)
  t.equal(run.status, 0)
  t.equal(run.stderr, '')
  const dir = resolve(root, 'test/config/fixtures')
  t.equal(run.stdout, `name = "sim-smp"
type = "pv"
reseer_backend = "sim"
vcpus = 2
maxvcpus = 2
memory = 64
maxmem = 64
kernel = "${dir}/guests/spinlock.elf"
cmdline = "console=ttyS0"
disk = [ 'format=raw, vdev=xvda, access=rw, target=${dir}/disk.img' ]
vif = [ 'mac=00:16:3e:00:00:01, devid=0, type=udp, ip=127.0.0.1:5555, localaddr=127.0.0.1:5556' ]
on_poweroff = "destroy"
on_reboot = "restart"
on_crash = "preserve"
`)
})

t.test('-v names each key reseer-xl does not use, one line each', async (t) => {
  const run = check('-v', fixture)
  t.equal(run.status, 0)
  t.equal(run.stderr, `reseer-xl: ${fixture}:11:1: key 'serial' is not used by reseer-xl\n`)
})

t.test('--json gives the DomainConfig', async (t) => {
  const run = check('--json', fixture)
  t.equal(run.status, 0)
  t.same(JSON.parse(run.stdout), loadDomainConfig(resolve(root, fixture)))
})

t.test('--backend overrides reseer_backend in the file', async (t) => {
  const run = check('--backend', 'xen', fixture)
  t.equal(run.status, 1)
  t.equal(run.stdout, '')
  t.equal(run.stderr, `reseer-xl: ${fixture}:9:38: vif 'mac=00:16:3e:00:00:01, type=udp, ip=127.0.0.1:5555, localaddr=127.0.0.1:5556': type=udp is only for the sim backend; use bridge= to connect a Xen domain\n`)
  t.equal(check('--backend', 'kvm', fixture).status, 2)
})

t.test('a broken file: non-zero, exactly one line naming FILE:LINE:COLUMN', async (t) => {
  const run = check('test/config/fixtures/broken.cfg')
  t.equal(run.status, 1)
  t.equal(run.stdout, '')
  t.equal(run.stderr, "reseer-xl: test/config/fixtures/broken.cfg:5:13: expected ';' or the end of the line after the value, found '128'\n")
  const json = check('--json', 'test/config/fixtures/broken.cfg')
  t.equal(json.status, 1)
  t.equal(JSON.parse(json.stdout).error.code, 'ECONFIG')
})

t.test('an invalid domain: the value at fault is named', async (t) => {
  const run = check('test/config/fixtures/bad-vcpus.cfg')
  t.equal(run.status, 1)
  t.equal(run.stderr, 'reseer-xl: test/config/fixtures/bad-vcpus.cfg:4:12: maxvcpus 2 is less than vcpus 4\n')
})

t.test('a missing file: one line, no stack', async (t) => {
  const run = check('test/config/fixtures/no-such.cfg')
  t.equal(run.status, 1)
  t.equal(run.stderr, 'reseer-xl: test/config/fixtures/no-such.cfg: no such file\n')
})

t.test('an HVM guest for Xen with warnings on stderr', async (t) => {
  const run = check('test/config/fixtures/hvm-xen.cfg')
  t.equal(run.status, 0)
  t.equal(run.stderr, 'reseer-xl: test/config/fixtures/hvm-xen.cfg:5:1: warning: builder is ignored because type is given\n')
  t.match(run.stdout, /^type = "hvm"$/m)
  t.match(run.stdout, /^vif = \[ 'mac=00:16:3e:5a:00:01, devid=0, bridge=xenbr0, model=e1000' \]$/m)
})
