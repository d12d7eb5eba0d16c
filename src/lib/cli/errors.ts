// Errors that reach the user. Every failure of a verb ends as one line,
// "reseer-xl: <what failed and what to do>", on stderr and a non-zero exit
// status; the stack trace is shown only at verbosity 2 (-v -v).

/** Exit statuses, in the manner of xl: 1 for a failed operation, 2 for bad usage. */
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2

export interface ReseerErrorOptions {
  /** A stable machine-readable code, e.g. "ENOCONFIG", for --json and scripts. */
  code?: string
  /** What the user can do about it, appended after the message. */
  hint?: string
  exitCode?: number
  cause?: unknown
}

/** An error whose message is fit to show the user as it is. */
export class ReseerError extends Error {
  readonly code: string
  readonly hint?: string
  readonly exitCode: number

  constructor(message: string, options: ReseerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = 'ReseerError'
    this.code = options.code ?? 'EFAIL'
    this.hint = options.hint
    this.exitCode = options.exitCode ?? EXIT_FAILURE
  }
}

/** One line for the user: the message, the hint, no newlines. */
export function errorLine(error: unknown): string {
  let text: string
  if (error instanceof ReseerError) {
    text = error.hint ? `${error.message}; ${error.hint}` : error.message
  } else if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code
    const path = (error as NodeJS.ErrnoException).path
    // Node's system errors: "ENOENT: no such file or directory, open 'x'" reads well enough,
    // but put the path first when there is one so the line says what failed.
    text = code && path ? `${path}: ${systemMessage(code, error.message)}` : error.message
  } else {
    text = String(error)
  }
  text = text.replace(/^Error: /, '').replace(/\s*\n\s*/g, ' ').trim()
  return `reseer-xl: ${text || 'failed for an unknown reason'}`
}

function systemMessage(code: string, message: string): string {
  const known: Record<string, string> = {
    EACCES: 'permission denied',
    EEXIST: 'already exists',
    EISDIR: 'is a directory, expected a file',
    ENOENT: 'no such file or directory',
    ENOSPC: 'no space left on device',
    ENOTDIR: 'not a directory',
    EROFS: 'read-only file system',
    EPERM: 'operation not permitted',
  }
  return known[code] ?? message
}

/** The JSON form of an error, for --json. */
export function errorJson(error: unknown): {error: {code: string; message: string; hint?: string}} {
  if (error instanceof ReseerError) {
    return {error: {code: error.code, message: error.message, ...(error.hint ? {hint: error.hint} : {})}}
  }
  const code = (error as NodeJS.ErrnoException)?.code ?? 'EFAIL'
  return {error: {code: String(code), message: errorLine(error).replace(/^reseer-xl: /, '')}}
}

export function exitCodeOf(error: unknown): number {
  const oclif = (error as {oclif?: {exit?: number}})?.oclif
  if (oclif && typeof oclif.exit === 'number') return oclif.exit
  if (error instanceof ReseerError) return error.exitCode
  const code = (error as {exitCode?: unknown})?.exitCode
  return typeof code === 'number' && code !== 0 ? code : EXIT_FAILURE
}

/** How many -v flags the raw command line holds (-v, -vv, --verbose). */
export function verbosityOf(argv: readonly string[]): number {
  let level = 0
  for (const arg of argv) {
    if (arg === '--') break
    if (arg === '--verbose') level++
    else if (/^-v+$/.test(arg)) level += arg.length - 1
  }
  return level
}

/**
 * Report an error that escaped every command handler (unknown verb, bad
 * install). Returns the exit status to use.
 */
export function reportFatal(error: unknown, argv: readonly string[]): number {
  const oclifExit = (error as {oclif?: {exit?: number}})?.oclif?.exit
  // oclif signals a normal exit (help, version) with an ExitError of status 0.
  if (oclifExit === 0) return 0
  process.stderr.write(errorLine(error) + '\n')
  if (verbosityOf(argv) >= 2 && error instanceof Error && error.stack) process.stderr.write(error.stack + '\n')
  return exitCodeOf(error)
}
