// QEMU as the reference for differential tests: runs an ELF on
// qemu-system-riscv32's virt board one instruction per translation block,
// with the CPU state logged before each instruction and every trap logged
// where it happens, and parses that log into steps.

import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

const QEMU = 'qemu-system-riscv32'
const BOARD_ARGS = ['-M', 'virt', '-bios', 'none', '-nographic', '-monitor', 'none', '-serial', 'stdio']

/** Why QEMU cannot serve as the reference here, or undefined if it can. */
export function qemuMissing(): string | undefined {
  const probe = spawnSync(QEMU, ['--version'], {encoding: 'utf8'})
  if (probe.error || probe.status !== 0) return `${QEMU} is not installed`
  return undefined
}

/** The CPU state QEMU logged before one instruction. */
export interface QemuStep {
  pc: number
  /** x0..x31 */
  x: number[]
  /** The machine CSRs the log shows: mstatus, mie, mip, mtvec, mepc, mcause, mtval, mscratch. */
  csr: Record<string, number>
  /** The instruction trapped (or an interrupt was taken before it): it did not retire. */
  trapped: boolean
  /**
   * A fetch that faulted: QEMU logs no state for it, only the trap, so this
   * step carries the registers of the handler's first step and no CSRs.
   */
  fetchFault?: boolean
}

const CSR_NAMES = new Set(['mstatus', 'mie', 'mip', 'mtvec', 'mepc', 'mcause', 'mtval', 'mscratch'])

/** Parses a `-d cpu,int` log into steps, from the first one at `entry` on. */
export function parseCpuLog(log: string, entry: number): QemuStep[] {
  const steps: QemuStep[] = []
  let current: QemuStep | undefined
  let fetchFault: QemuStep | undefined
  for (const line of log.split('\n')) {
    if (line.startsWith(' pc ')) {
      current = {pc: parseInt(line.slice(4), 16), x: new Array(32).fill(0), csr: {}, trapped: false}
      if (fetchFault) fetchFault.x = current.x
      fetchFault = undefined
      steps.push(current)
    } else if (line.startsWith('riscv_cpu_do_interrupt')) {
      const epc = parseInt(/epc:0x([0-9a-f]+)/.exec(line)?.[1] ?? '', 16)
      if (current && current.pc === epc) {
        current.trapped = true
      } else {
        fetchFault = {pc: epc, x: [], csr: {}, trapped: true, fetchFault: true}
        steps.push(fetchFault)
      }
    } else if (current && line.startsWith(' x')) {
      for (const match of line.matchAll(/x(\d+)\/\w+\s+([0-9a-f]{8})/g)) current.x[Number(match[1])] = parseInt(match[2], 16)
    } else if (current) {
      const match = /^ (\w+)\s+([0-9a-f]{8})$/.exec(line)
      if (match && CSR_NAMES.has(match[1])) current.csr[match[1]] = parseInt(match[2], 16)
    }
  }
  const start = steps.findIndex((step) => step.pc === entry)
  if (start < 0) throw new Error(`QEMU never reached the entry point 0x${entry.toString(16)}`)
  return steps.slice(start)
}

export interface QemuRun {
  output: string
  steps: QemuStep[]
}

/** Runs the ELF on QEMU until it powers off; with trace, logs every instruction. */
export function runQemu(elf: string, entry: number, trace: boolean, timeoutMs = 60_000): QemuRun {
  const dir = mkdtempSync(join(tmpdir(), 'reseer-qemu-'))
  try {
    const log = join(dir, 'cpu.log')
    const args = [...BOARD_ARGS, '-kernel', elf]
    // QEMU 7.2 spells one instruction per block -singlestep (later versions: -accel tcg,one-insn-per-tb=on).
    if (trace) args.push('-singlestep', '-d', 'cpu,nochain,int', '-D', log)
    const run = spawnSync(QEMU, args, {encoding: 'utf8', timeout: timeoutMs, maxBuffer: 1 << 24})
    if (run.error) throw new Error(`${QEMU} failed on ${elf}: ${run.error.message}`)
    if (run.status !== 0) throw new Error(`${QEMU} exited with status ${run.status} on ${elf}: ${run.stderr.trim()}`)
    return {output: run.stdout.replace(/\r\n/g, '\n'), steps: trace ? parseCpuLog(readFileSync(log, 'utf8'), entry) : []}
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}
