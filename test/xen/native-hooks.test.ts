// native/libxl-hooks: it builds wherever libxen-dev is, says so and succeeds
// where it is not, and its entry points refuse bad arguments with EINVAL
// instead of touching memory.
import t from 'tap'
import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import koffi from 'koffi'
import {HOOKS_LIBRARY, hooks} from '../../src/lib/backend/xen/hooks.js'
import {headersPresent, hooksSource} from './native-tools.js'

const EINVAL = koffi.os.errno.EINVAL

t.test('build.sh builds libxl-hooks.so where the headers are', {skip: headersPresent() ? false : 'libxen-dev headers are not installed'}, async (t) => {
  const r = spawnSync('sh', [join(hooksSource, 'build.sh')], {encoding: 'utf8'})
  t.equal(r.status, 0, r.stderr)
  t.ok(existsSync(HOOKS_LIBRARY), 'build/libxl-hooks.so exists')
})

t.test('build.sh without the headers: one note, success', async (t) => {
  // A compiler that finds no headers stands for a host without libxen-dev.
  const r = spawnSync('sh', [join(hooksSource, 'build.sh')], {encoding: 'utf8', env: {...process.env, CC: 'false'}})
  t.equal(r.status, 0)
  t.equal(r.stdout, 'libxl-hooks: libxen-dev headers not found; skipping (apt-get install libxen-dev to build the Xen backend\'s helpers)\n')
})

t.test('the helpers refuse missing handles with EINVAL', {skip: headersPresent() ? false : 'libxen-dev headers are not installed'}, async (t) => {
  spawnSync('sh', [join(hooksSource, 'build.sh')])
  const h = hooks()
  const bitmap = Buffer.alloc(8)
  t.equal(h.lxh_logdirty_bitmap(null, 1, 1, bitmap, 64), -1)
  t.equal(koffi.errno(), EINVAL)
  const cursor = new BigUint64Array(1)
  t.equal(h.lxh_copy_pages(null, 1, bitmap, 64, cursor, new Uint32Array(4), Buffer.alloc(4 * 4096), 4), -1)
  t.equal(koffi.errno(), EINVAL)
  const out = [null]
  t.equal(h.lxh_monitor_open(null, 1, out), -1)
  t.equal(koffi.errno(), EINVAL)
  t.equal(out[0], null)
  const table = {entries: null, capacity: 3, used: 0, write_faults: 0, other_faults: 0, other_events: 0, dropped: 0}
  t.equal(h.lxh_monitor_drain(null, table), -1, 'no monitor')
  t.equal(h.lxh_monitor_fd(null), -1)
  h.lxh_monitor_close(null)
  t.pass('closing nothing is harmless')
})
