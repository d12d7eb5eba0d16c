// The vm_event ring consumer of native/libxl-hooks, compiled into a program
// that plays the hypervisor's side of the ring in ordinary memory: write
// faults counted per vCPU and page, other faults and events classified,
// every request answered with the vCPU's pause flag and emulation, a full
// table reported as drops, and a foreign interface version refused.
import t from 'tap'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {headersPresent, hooksSource} from './native-tools.js'

const program = fileURLToPath(new URL('vm-event-ring.c', import.meta.url))

t.test('the ring consumer counts, classifies and answers', {skip: headersPresent() ? false : 'libxen-dev headers are not installed'}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'reseer-ring-'))
  t.teardown(() => rmSync(dir, {recursive: true, force: true}))
  const exe = join(dir, 'ring')
  execFileSync('cc', ['-D__XEN_TOOLS__', '-Wall', '-Wextra', '-Werror', '-I', hooksSource, '-o', exe, program, '-lxenctrl', '-lxenevtchn'], {stdio: 'pipe'})
  const lines = execFileSync(exe, {encoding: 'utf8'}).trimEnd().split('\n')
  t.same(lines, [
    'handled 5',
    'table used=2 write_faults=3 other_faults=1 other_events=1 dropped=0',
    'table entry vcpu=0 gfn=5 writes=2',
    'table entry vcpu=1 gfn=5 writes=1',
    'responses 5',
    'response vcpu=0 reason=1 paused=1 emulate=1 gfn=5',
    'response vcpu=1 reason=1 paused=1 emulate=1 gfn=5',
    'response vcpu=0 reason=1 paused=1 emulate=1 gfn=5',
    'response vcpu=1 reason=1 paused=1 emulate=1 gfn=9',
    'response vcpu=1 reason=6 paused=1 emulate=0 gfn=0',
    'handled 3',
    'small used=2 write_faults=3 other_faults=0 other_events=0 dropped=1',
    'small entry vcpu=0 gfn=2 writes=1',
    'small entry vcpu=0 gfn=1 writes=1',
    'old version -1 EPROTO',
  ])
})
