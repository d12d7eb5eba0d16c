// Runs a guest ELF on QEMU's riscv virt board, the reference machine that the
// simulator reproduces and that differential tests compare against.
import {execa} from 'execa'

export const QEMU = 'qemu-system-riscv32'

export interface QemuRunOptions {
  elf: string
  smp?: number
  memoryMiB?: number
  append?: string
  // A raw disk image, attached as a virtio-blk device.
  disk?: string
  // QEMU's UDP socket netdev: each datagram to peerPort is one ethernet frame.
  // mac, as aa:bb:cc:dd:ee:ff, replaces QEMU's default 52:54:00:12:34:56.
  net?: {peerPort: number; localPort: number; mac?: string}
  timeoutMs?: number
}

export interface QemuRunResult {
  stdout: string
  stderr: string
  // The guest's exit status through the sifive test device: 0 after poweroff,
  // the code it passed when it failed.
  exitCode: number
}

export function qemuArgs(opts: QemuRunOptions): string[] {
  const args = [
    '-M', 'virt', '-smp', String(opts.smp ?? 2), '-m', `${opts.memoryMiB ?? 64}M`,
    '-bios', 'none', '-nographic', '-no-reboot',
    // The guest drivers and the simulator speak virtio-mmio version 2 only.
    '-global', 'virtio-mmio.force-legacy=false',
    '-kernel', opts.elf,
  ]
  if (opts.append) args.push('-append', opts.append)
  if (opts.disk) {
    args.push('-drive', `file=${opts.disk},format=raw,if=none,id=d0`, '-device', 'virtio-blk-device,drive=d0')
  }
  if (opts.net) {
    args.push(
      '-netdev', `socket,id=n0,udp=127.0.0.1:${opts.net.peerPort},localaddr=127.0.0.1:${opts.net.localPort}`,
      '-device', `virtio-net-device,netdev=n0${opts.net.mac ? `,mac=${opts.net.mac}` : ''}`,
    )
  }
  return args
}

export async function runQemu(opts: QemuRunOptions): Promise<QemuRunResult> {
  const timeout = opts.timeoutMs ?? 60_000
  const r = await execa(QEMU, qemuArgs(opts), {reject: false, timeout, stdin: 'ignore', stripFinalNewline: false})
  if (r.timedOut) {
    throw new Error(`${opts.elf} did not power off within ${timeout} ms; output so far:\n${r.stdout}`)
  }
  if (r.exitCode === undefined) throw new Error(`${QEMU} ended by signal ${r.signal}: ${r.stderr}`)
  return {stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode}
}

// A reason to skip, for tap's skip option, where QEMU is not installed.
export async function qemuMissing(): Promise<string | false> {
  const r = await execa(QEMU, ['--version'], {reject: false})
  return r.exitCode === 0 ? false : `${QEMU} is not installed`
}
