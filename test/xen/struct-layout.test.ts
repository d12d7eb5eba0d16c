// Every struct the koffi bindings define must lie in memory exactly as the C
// compiler lays it out from the installed Xen headers: a C program prints
// sizeof and offsetof for each, and each is compared with koffi's view.
import t from 'tap'
import koffi from 'koffi'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {XentoollogLogger} from '../../src/lib/backend/xen/toollog.js'
import {CpuUserRegs, TrapInfo, VcpuGuestContext, XcDomainInfo, XcPhysinfo, XenArchDomainConfig} from '../../src/lib/backend/xen/xenctrl.js'
import {LibxlDominfo, LibxlPhysinfo, LibxlVersionInfo} from '../../src/lib/backend/xen/xenlight.js'
import {LxhFaultTable, LxhWriteFault} from '../../src/lib/backend/xen/hooks.js'
import {headersPresent, hooksSource} from './native-tools.js'

type KoffiType = ReturnType<typeof koffi.struct>

const structs: Array<[string, KoffiType]> = [
  ['struct xentoollog_logger', XentoollogLogger],
  ['struct xen_arch_domainconfig', XenArchDomainConfig],
  ['xc_domaininfo_t', XcDomainInfo],
  ['xc_physinfo_t', XcPhysinfo],
  ['struct cpu_user_regs', CpuUserRegs],
  ['struct trap_info', TrapInfo],
  ['struct vcpu_guest_context', VcpuGuestContext],
  ['libxl_dominfo', LibxlDominfo],
  ['libxl_version_info', LibxlVersionInfo],
  ['libxl_physinfo', LibxlPhysinfo],
  ['struct lxh_write_fault', LxhWriteFault],
  ['struct lxh_fault_table', LxhFaultTable],
]

function cProgram(): string {
  const lines = [
    '#include <stddef.h>',
    '#include <stdio.h>',
    '#include <xenctrl.h>',
    '#include <xenforeignmemory.h>',
    '#include <xentoollog.h>',
    '#include <libxl.h>',
    '#include "libxl-hooks.h"',
    'int main(void) {',
    '  printf("vcpu_guest_context_any_t size %zu\\n", sizeof(vcpu_guest_context_any_t));',
  ]
  for (const [ctype, type] of structs) {
    lines.push(`  printf("${ctype} size %zu\\n", sizeof(${ctype}));`)
    for (const member of Object.keys(type.members ?? {})) {
      lines.push(`  printf("${ctype} ${member} %zu\\n", offsetof(${ctype}, ${member}));`)
    }
  }
  lines.push('  return 0;', '}')
  return lines.join('\n') + '\n'
}

function compilerLayout(): Map<string, number> {
  const dir = mkdtempSync(join(tmpdir(), 'reseer-layout-'))
  try {
    writeFileSync(join(dir, 'layout.c'), cProgram())
    execFileSync('cc', ['-D__XEN_TOOLS__', '-I', hooksSource, '-o', join(dir, 'layout'), join(dir, 'layout.c')], {stdio: 'pipe'})
    const out = execFileSync(join(dir, 'layout'), {encoding: 'utf8'})
    const layout = new Map<string, number>()
    for (const line of out.trim().split('\n')) {
      const at = line.lastIndexOf(' ')
      layout.set(line.slice(0, at), Number(line.slice(at + 1)))
    }
    return layout
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

t.test('koffi structs match the C layout of the installed Xen 4.17 headers', {skip: headersPresent() ? false : 'libxen-dev headers are not installed'}, async (t) => {
  const layout = compilerLayout()
  for (const [ctype, type] of structs) {
    t.equal(koffi.sizeof(type), layout.get(`${ctype} size`), `sizeof(${ctype})`)
    for (const member of Object.keys(type.members ?? {})) {
      t.equal(koffi.offsetof(type, member), layout.get(`${ctype} ${member}`), `offsetof(${ctype}, ${member})`)
    }
  }
  // xc_vcpu_getcontext writes a whole vcpu_guest_context_any_t; the x86_64
  // member is the largest, so a buffer of its size holds the union.
  t.equal(koffi.sizeof(VcpuGuestContext), layout.get('vcpu_guest_context_any_t size'), 'sizeof(vcpu_guest_context_any_t)')
})
