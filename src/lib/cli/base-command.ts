// The one base class of every verb: shared flags (-v, --json, -N where a verb
// changes state), one place that turns any failure into one line on stderr,
// and the small output helpers commands use. Commands stay thin: parse, call
// into src/lib, render.
import {Command, Flags, Interfaces} from '@oclif/core'
import {EXIT_USAGE, ReseerError, errorJson, errorLine, exitCodeOf, verbosityOf} from './errors.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof ReseerCommand)['baseFlags'] & T['flags']>
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/** -N, for verbs that change state: print what would be done and do nothing. */
export const dryRunFlag = Flags.boolean({
  char: 'N',
  summary: 'Dry run: print what would be done, change nothing.',
  default: false,
})

export abstract class ReseerCommand<T extends typeof Command> extends Command {
  static enableJsonFlag = true

  static baseFlags = {
    verbose: Flags.boolean({
      char: 'v',
      summary: 'More detail; repeat (-v -v) for stack traces on errors.',
      default: false,
      helpGroup: 'GLOBAL',
    }),
  }

  protected flags!: BaseFlags<T>
  protected args!: BaseArgs<T>
  /** Number of -v flags given. */
  protected verbosity = 0

  public async init(): Promise<void> {
    await super.init()
    this.verbosity = verbosityOf(this.argv)
    // oclif's boolean flags may be given once; -v is repeatable as in xl, so
    // count it above and hand the parser a single one.
    const {flags, args} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (this.ctor as typeof ReseerCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    }, collapseVerbose(this.argv))
    this.flags = flags as BaseFlags<T>
    this.args = args as BaseArgs<T>
  }

  /** Detail shown only with -v (level 1) or -v -v (level 2), on stderr. */
  protected detail(level: number, message: string): void {
    if (this.verbosity >= level) process.stderr.write(message + '\n')
  }

  /** A line of normal output, suppressed under --json. */
  protected say(message = ''): void {
    if (!this.jsonEnabled()) process.stdout.write(message + '\n')
  }

  /** Whether progress displays may draw: a terminal on stderr, and no --json. */
  protected get interactive(): boolean {
    return Boolean(process.stderr.isTTY) && !this.jsonEnabled()
  }

  protected toSuccessJson(result: unknown): unknown {
    return result
  }

  protected logJson(json: unknown): void {
    process.stdout.write(JSON.stringify(json, null, 2) + '\n')
  }

  public async catch(error: Error & {exitCode?: number}): Promise<void> {
    const parseFailure = isParseError(error)
    const status = parseFailure ? EXIT_USAGE : exitCodeOf(error)
    process.exitCode = status
    if (this.jsonEnabled()) this.logJson(errorJson(error))
    process.stderr.write(errorLine(error) + '\n')
    if (this.verbosity >= 2 && error.stack) process.stderr.write(error.stack + '\n')
  }
}

function collapseVerbose(argv: readonly string[]): string[] {
  const out: string[] = []
  let seen = false
  let passthrough = false
  for (const arg of argv) {
    if (!passthrough && (arg === '--verbose' || /^-v+$/.test(arg))) {
      if (!seen) out.push('--verbose')
      seen = true
      continue
    }
    if (arg === '--') passthrough = true
    out.push(arg)
  }
  return out
}

function isParseError(error: unknown): boolean {
  const name = (error as Error)?.constructor?.name ?? ''
  return /Nonexistent|Required|Unexpected|FailedFlagValidation|ArgInvalidOption|FlagInvalidOption|CLIParseError/.test(name)
}

export {ReseerError}
