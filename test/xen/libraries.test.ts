// The real Xen 4.17 libraries, loaded and called on a host without a
// hypervisor: every failure must come back as one clear ReseerError, and the
// libraries' own messages must reach reseer-xl's logger.
import t from 'tap'
import {existsSync} from 'node:fs'
import {ReseerError} from '../../src/lib/cli/errors.js'
import {XenHost, allocLibxlContext, openXenctrl} from '../../src/lib/backend/xen/host.js'
import {libraryAt} from '../../src/lib/backend/xen/libraries.js'
import {PRIVCMD_DEVICE, probeXen, unavailableLine} from '../../src/lib/backend/xen/probe.js'
import {ToolLogger, formatToolLog, type ToolLogMessage} from '../../src/lib/backend/xen/toollog.js'

const noHypervisor = existsSync(PRIVCMD_DEVICE) ? 'this host runs under Xen' : false

t.test('xc_interface_open fails without privcmd, and says so through our logger', {skip: noHypervisor}, async (t) => {
  const messages: ToolLogMessage[] = []
  const logger = new ToolLogger((m) => messages.push(m))
  try {
    const error = catchError(() => openXenctrl(logger))
    t.type(error, ReseerError)
    t.equal(error.code, 'EXENOPEN')
    t.match(error.message, /^cannot open the Xen control interface \(xc_interface_open failed: ENOENT\)$/)
    t.ok(messages.length > 0, 'libxencall logged why')
    t.match(formatToolLog(messages[0]), /^xencall: error: Could not obtain handle on privileged command interface: No such file or directory$/)
    t.equal(messages[0].errno, 2)
  } finally {
    logger.close()
  }
})

t.test('libxl_ctx_alloc returns ERROR_FAIL (-3), mapped to one line', {skip: noHypervisor}, async (t) => {
  const messages: string[] = []
  const logger = new ToolLogger((m) => messages.push(formatToolLog(m)))
  try {
    const error = catchError(() => allocLibxlContext(logger))
    t.equal(error.code, 'ELIBXL')
    t.equal(error.message, 'cannot open a libxl context (libxl_ctx_alloc: ERROR_FAIL -3)')
    t.ok(messages.some((m) => /libxl: error: .*cannot open libxc handle/.test(m)), 'libxl said why at error level')
  } finally {
    logger.close()
  }
})

t.test('the logger honours its minimum level', {skip: noHypervisor}, async (t) => {
  const messages: ToolLogMessage[] = []
  const logger = new ToolLogger((m) => messages.push(m), 'critical')
  try {
    catchError(() => openXenctrl(logger))
    t.same(messages, [], 'errors are below critical')
  } finally {
    logger.close()
  }
})

t.test('the probe names what is missing on this host', {skip: noHypervisor}, async (t) => {
  const probe = probeXen()
  t.equal(probe.available, false)
  t.equal(probe.missing[0], `no ${PRIVCMD_DEVICE} (not running as dom0 of a Xen hypervisor)`)
  t.match(unavailableLine(probe), /^Xen is unavailable: no \/dev\/xen\/privcmd/)
  const error = catchError(() => XenHost.open())
  t.equal(error.code, 'ENOXEN')
  t.equal(error.message, unavailableLine(probe))
})

t.test('the probe reports every missing piece, most fundamental first', async (t) => {
  const probe = probeXen({
    platform: 'linux',
    exists: () => false,
    uid: 1000,
    canLoad: (soname) => (soname === 'libxenlight.so.4.17' ? 'cannot load' : undefined),
  })
  t.same(probe.missing, [`no ${PRIVCMD_DEVICE} (not running as dom0 of a Xen hypervisor)`, 'no libxenlight.so.4.17', 'not root'])
  t.same(probeXen({platform: 'darwin', exists: () => true, uid: 0, canLoad: () => undefined}).missing, ['not a Linux dom0 (platform darwin)'])
  t.same(probeXen({platform: 'linux', exists: () => true, uid: 0, canLoad: () => undefined}), {available: true, missing: []})
})

t.test('a library that is not there is one line, not a loader trace', async (t) => {
  const error = catchError(() => libraryAt('libreseer-absent.so', 'the absent helper', 'build it'))
  t.equal(error.code, 'ENOXENLIB')
  t.match(error.message, /^cannot load the absent helper \(.*libreseer-absent\.so.*\)$/)
  t.notMatch(error.message, /\n/)
})

function catchError(fn: () => unknown): ReseerError {
  try {
    fn()
  } catch (error) {
    return error as ReseerError
  }
  throw new Error('expected a failure')
}
