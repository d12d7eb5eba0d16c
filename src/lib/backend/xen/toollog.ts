// A xentoollog_logger whose messages go to a JavaScript sink (reseer-xl's -v
// output) instead of the library's own stderr stream.
//
// Why callbacks and not xtl_createlogger_stdiostream on a pipe: a pipe read
// only between synchronous library calls fills up (64 KiB) inside a chatty
// call and the writer blocks for ever, and a non-blocking pipe drops the very
// messages that explain a failure. A koffi callback runs on the calling
// thread during the call, so nothing is buffered or lost. Its one subtlety is
// the va_list: the callback takes it as an opaque pointer (x86_64 and arm64
// both pass va_list by reference) and hands it straight to libc's vsnprintf,
// which is exactly what xtl's own stdio logger does with it.
import koffi from 'koffi'
import {lazyBindings} from './libraries.js'

/** The levels of xentoollog.h, lowest first. */
export const XTL_LEVELS = ['none', 'debug', 'verbose', 'detail', 'progress', 'info', 'notice', 'warn', 'error', 'critical'] as const
export type XtlLevel = (typeof XTL_LEVELS)[number]

export interface ToolLogMessage {
  level: XtlLevel
  /** The library part that spoke, e.g. "xc", "libxl"; "" when none was given. */
  context: string
  message: string
  /** The errno the library reported with the message, or -1. */
  errno: number
}

export type ToolLogSink = (message: ToolLogMessage) => void

const VMessage = koffi.proto('void reseer_xtl_vmessage(void *logger, int level, int errnoval, const char *context, void *format, void *al)')
const Progress = koffi.proto('void reseer_xtl_progress(void *logger, const char *context, const char *doing_what, int percent, unsigned long done, unsigned long total)')
const Destroy = koffi.proto('void reseer_xtl_destroy(void *logger)')

/** struct xentoollog_logger: three function pointers, nothing after them for this consumer. */
export const XentoollogLogger = koffi.struct('xentoollog_logger', {
  vmessage: koffi.pointer(VMessage),
  progress: koffi.pointer(Progress),
  destroy: koffi.pointer(Destroy),
})

const libc = lazyBindings('libc.so.6', {
  vsnprintf: 'int vsnprintf(uint8_t *buf, size_t size, void *format, void *ap)',
  strerror: 'const char *strerror(int errnum)',
})

const MESSAGE_MAX = 4096
const ERRNO_TEXT = new Map<number, string>()

/**
 * A logger for the Xen libraries. Pass `pointer` where they take a
 * xentoollog_logger *; call close() once every handle opened with it is closed.
 */
export class ToolLogger {
  readonly pointer: bigint
  private readonly callbacks: bigint[]
  private readonly buffer = Buffer.alloc(MESSAGE_MAX)
  private closed = false

  constructor(private readonly sink: ToolLogSink, private readonly minLevel: XtlLevel = 'debug') {
    // The libraries may keep the logger for the life of a handle, so the
    // struct lives in C memory, not in a JavaScript buffer that can move.
    const vmessage = koffi.register(this.onMessage.bind(this), koffi.pointer(VMessage))
    const progress = koffi.register(this.onProgress.bind(this), koffi.pointer(Progress))
    // The libraries never own this logger; close() frees it.
    const destroy = koffi.register(() => {}, koffi.pointer(Destroy))
    this.callbacks = [vmessage, progress, destroy]
    this.pointer = koffi.alloc(XentoollogLogger, 1) as bigint
    koffi.encode(this.pointer, XentoollogLogger, {vmessage, progress, destroy})
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    koffi.free(this.pointer)
    for (const cb of this.callbacks) koffi.unregister(cb)
  }

  private onMessage(_logger: unknown, level: number, errnoval: number, context: string | null, format: bigint, al: bigint): void {
    const name = XTL_LEVELS[level] ?? 'error'
    if (XTL_LEVELS.indexOf(name) < XTL_LEVELS.indexOf(this.minLevel)) return
    const n = libc().vsnprintf(this.buffer, this.buffer.length, format, al) as number
    const text = n < 0 ? '(unprintable message)' : this.buffer.toString('utf8', 0, Math.min(n, this.buffer.length - 1))
    const withErrno = errnoval >= 0 ? `${text}: ${errnoText(errnoval)}` : text
    this.sink({level: name, context: context ?? '', message: withErrno, errno: errnoval})
  }

  private onProgress(_logger: unknown, context: string | null, doing: string | null, percent: number): void {
    if (XTL_LEVELS.indexOf('progress') < XTL_LEVELS.indexOf(this.minLevel)) return
    this.sink({level: 'progress', context: context ?? '', message: `${doing ?? ''}: ${percent}%`, errno: -1})
  }
}

/** One line per message, in the manner of xtl's stdio logger: "context: level: message". */
export function formatToolLog(m: ToolLogMessage): string {
  return `${m.context ? m.context + ': ' : ''}${m.level}: ${m.message}`
}

function errnoText(errnoval: number): string {
  let text = ERRNO_TEXT.get(errnoval)
  if (text === undefined) {
    text = String(libc().strerror(errnoval))
    ERRNO_TEXT.set(errnoval, text)
  }
  return text
}
