// Verbs reseer-xl does not own go to xl itself, so reseer-xl can stand in for
// xl in scripts: the same arguments, the terminal or pipes handed straight
// through, and xl's exit status as reseer-xl's own.
import {accessSync, constants, statSync} from 'node:fs'
import {constants as osConstants} from 'node:os'
import {delimiter, join} from 'node:path'
import {execa} from 'execa'
import {EXIT_FAILURE, ReseerError} from '../cli/errors.js'

/** The Debian package with the versioned xl binary behind /usr/sbin/xl. */
export const XL_PACKAGE = 'xen-utils-4.17'

/** The xl that a shell would run: the first executable `xl` on PATH, or undefined. */
export function findXl(path: string = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue
    const candidate = join(dir, 'xl')
    try {
      if (!statSync(candidate).isFile()) continue
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      continue
    }
  }
  return undefined
}

/**
 * Run xl with these arguments, stdin, stdout and stderr inherited, and
 * return the status reseer-xl should exit with: xl's own, or 128 + the signal
 * number when a signal ended it, as a shell reports it. `why` says why xl
 * is needed, for the line that reports it missing.
 */
export async function passthroughToXl(args: readonly string[], why = `'${args[0] ?? ''}' on a Xen domain is xl's work`): Promise<number> {
  const xl = findXl()
  if (!xl) throw new ReseerError(`${why} and xl is not installed (apt-get install ${XL_PACKAGE})`, {code: 'ENOXL'})
  // ^C and ^\ reach xl directly (same process group); reseer-xl, like
  // system(3), waits for xl to act on them rather than dying first.
  const ignore = () => {}
  const forwarded = ['SIGINT', 'SIGQUIT'] as const
  for (const signal of forwarded) process.on(signal, ignore)
  try {
    const result = await execa(xl, [...args], {stdio: 'inherit', reject: false})
    if (result.failed && result.exitCode === undefined && !result.signal) {
      throw new ReseerError(`cannot run ${xl}: ${result.shortMessage}`, {code: 'ENOXL'})
    }
    if (result.signal) return 128 + (signalNumber(result.signal) ?? 0)
    return result.exitCode ?? EXIT_FAILURE
  } finally {
    for (const signal of forwarded) process.off(signal, ignore)
  }
}

function signalNumber(signal: string): number | undefined {
  return (osConstants.signals as Record<string, number>)[signal]
}

/**
 * The words the user typed for an unknown verb, from the verb on. With a
 * space as topic separator oclif joins leading words into one id with ':'
 * ("vcpu-list 0" becomes "vcpu-list:0") and cuts the rest by counting the
 * colons, which loses words when an argument holds one ("phy:/dev/vg/disk").
 * The raw command line is the truth: find the words that make up the id and
 * pass everything from there on.
 */
export function typedWords(id: string, rest: readonly string[], raw: readonly string[]): string[] {
  for (let start = 0; start < raw.length; start++) {
    let joined = raw[start]
    for (let end = start + 1; joined.length <= id.length; end++) {
      if (joined === id) return raw.slice(start)
      if (end >= raw.length) break
      joined += ':' + raw[end]
    }
  }
  return [...id.split(':'), ...rest]
}
