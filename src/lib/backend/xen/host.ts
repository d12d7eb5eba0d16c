// An open connection to the hypervisor: one logger, one libxenctrl handle, one
// foreign-memory handle and one libxl context, opened together and closed on
// one path whatever state the opening reached.
import koffi from 'koffi'
import {ReseerError} from '../../cli/errors.js'
import {foreignmemory} from './foreignmemory.js'
import {requireXen, type XenProbe, probeXen} from './probe.js'
import {ToolLogger, type ToolLogSink} from './toollog.js'
import {LIBXL_VERSION, libxlErrorNameOf, xenlight} from './xenlight.js'
import {xenctrl} from './xenctrl.js'

type Handle = unknown

export interface XenHostOptions {
  /** Where the libraries' own messages go (reseer-xl's -v output). */
  log?: ToolLogSink
  /** Skip the host probe; for opening the libraries where the probe already ran. */
  probe?: XenProbe
}

export class XenHost {
  private constructor(
    readonly logger: ToolLogger,
    readonly xch: Handle,
    readonly fmem: Handle,
    readonly ctx: Handle,
  ) {}

  /** Open everything, or throw one ReseerError after closing what was opened. */
  static open(options: XenHostOptions = {}): XenHost {
    requireXen(options.probe ?? probeXen())
    const logger = new ToolLogger(options.log ?? (() => {}))
    let xch: Handle = null
    let fmem: Handle = null
    let ctx: Handle = null
    try {
      xch = openXenctrl(logger)
      fmem = foreignmemory().xenforeignmemory_open(logger.pointer, 0)
      if (!fmem) throw new ReseerError('cannot open the foreign memory interface (xenforeignmemory_open failed)', {code: 'EXENOPEN'})
      ctx = allocLibxlContext(logger)
      return new XenHost(logger, xch, fmem, ctx)
    } catch (error) {
      closeAll(logger, xch, fmem, ctx)
      throw error
    }
  }

  close(): void {
    closeAll(this.logger, this.xch, this.fmem, this.ctx)
  }
}

/** xc_interface_open, with its failure (no privcmd, no permission) as one line. */
export function openXenctrl(logger: ToolLogger): Handle {
  const xch = xenctrl().xc_interface_open(logger.pointer, logger.pointer, 0)
  if (!xch) {
    throw new ReseerError(`cannot open the Xen control interface (xc_interface_open failed: ${lastErrnoText()})`, {
      code: 'EXENOPEN',
      hint: 'run as root in dom0 of a Xen host',
    })
  }
  return xch
}

/** libxl_ctx_alloc; a libxl error code becomes one line naming it. */
export function allocLibxlContext(logger: ToolLogger): Handle {
  const out: Handle[] = [null]
  const rc = xenlight().libxl_ctx_alloc(out, LIBXL_VERSION, 0, logger.pointer) as number
  if (rc !== 0 || !out[0]) {
    throw new ReseerError(`cannot open a libxl context (libxl_ctx_alloc: ${libxlErrorNameOf(rc)})`, {
      code: 'ELIBXL',
      hint: 'run as root in dom0 of a Xen host; -v shows what libxl said',
    })
  }
  return out[0]
}

/** A failed library call, naming what was being done, the call, errno and, where it matters, the state things are in now. */
export function callFailed(doing: string, call: string, state?: string, hint?: string): ReseerError {
  return new ReseerError(`cannot ${doing} (${call}: ${lastErrnoText()})${state ? `; ${state}` : ''}`, {code: 'EXENCALL', hint})
}

function lastErrnoText(): string {
  const code = koffi.errno()
  const name = Object.entries(koffi.os.errno).find(([, value]) => value === code)?.[0]
  return name ?? `errno ${code}`
}

function closeAll(logger: ToolLogger, xch: Handle, fmem: Handle, ctx: Handle): void {
  if (ctx) xenlight().libxl_ctx_free(ctx)
  if (fmem) foreignmemory().xenforeignmemory_close(fmem)
  if (xch) xenctrl().xc_interface_close(xch)
  logger.close()
}
