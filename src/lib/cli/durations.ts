// Durations and checkpoint intervals as users write them on the command line.
import {EXIT_USAGE, ReseerError} from './errors.js'

const UNIT_MS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000}

/** "500ms", "10s", "2m" (or "2min"), "1h", or a bare number of seconds. */
export function parseDuration(text: string, what = 'duration'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|m|h)?\s*$/.exec(text)
  if (!match) throw new ReseerError(`${what} '${text}': expected a time such as 500ms, 10s, 2min or 1h`, {code: 'EUSAGE', exitCode: EXIT_USAGE})
  const ms = Number(match[1]) * UNIT_MS[match[2] ?? 's']
  if (!(ms > 0)) throw new ReseerError(`${what} '${text}': expected a positive time`, {code: 'EUSAGE', exitCode: EXIT_USAGE})
  return ms
}

/**
 * A checkpoint interval: a time with its unit ("50ms", "1s", "2min") or a
 * count of guest instructions per hart, bare or with a k, M or G suffix
 * ("2000000", "2M", "500k"). "2m" is two million instructions here; write
 * "2min" for minutes.
 */
export function parseInterval(text: string): {ms: number} | {instructions: number} {
  const count = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)\s*$/i.exec(text)
  if (count) {
    const scale = {'': 1, k: 1e3, m: 1e6, g: 1e9}[count[2].toLowerCase()]!
    const instructions = Math.round(Number(count[1]) * scale)
    if (instructions < 1) throw new ReseerError(`interval '${text}': expected at least one instruction`, {code: 'EUSAGE', exitCode: EXIT_USAGE})
    return {instructions}
  }
  const time = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|h)\s*$/.exec(text)
  if (!time) throw new ReseerError(`interval '${text}': expected a time (50ms, 1s) or an instruction count (2M, 500k)`, {code: 'EUSAGE', exitCode: EXIT_USAGE})
  return {ms: parseDuration(text, 'interval')}
}
