// Disk and vif specs are strings of comma-separated `key=value` settings and
// bare words inside one config value. Each piece keeps its offset into the
// string so an error can point at its column in the config file.
import {Position, configError} from './config-error.js'
import {StringValue, positionInString} from './xlcfg-parser.js'

export interface SpecItem {
  /** The piece without surrounding blanks. */
  text: string
  /** Offset of `text` in the decoded string. */
  start: number
  /** For `key=value`, the key (lower case as written) and the value. */
  key?: string
  value?: string
  /** Offset of `value` in the decoded string. */
  valueStart?: number
}

/**
 * Split a spec on commas. `restKey` names a key whose value runs to the end
 * of the string, commas and all (xl's `target=`), which is why it must come last.
 */
export function splitSpec(spec: string, restKey?: string): SpecItem[] {
  const items: SpecItem[] = []
  let from = 0
  while (from <= spec.length) {
    const lead = /^\s*/.exec(spec.slice(from))![0].length
    const start = from + lead
    if (restKey && spec.startsWith(`${restKey}=`, start)) {
      items.push(keyed(spec.slice(start), start))
      break
    }
    const comma = spec.indexOf(',', start)
    const end = comma === -1 ? spec.length : comma
    const text = spec.slice(start, end).trimEnd()
    items.push(keyed(text, start))
    if (comma === -1) break
    from = comma + 1
  }
  return items
}

function keyed(text: string, start: number): SpecItem {
  const eq = text.indexOf('=')
  if (eq === -1) return {text, start}
  const rawValue = text.slice(eq + 1)
  const lead = /^\s*/.exec(rawValue)![0].length
  return {text, start, key: text.slice(0, eq).trim(), value: rawValue.slice(lead), valueStart: start + eq + 1 + lead}
}

/** Errors inside one spec string: FILE:LINE:COLUMN of the offending piece. */
export class SpecContext {
  constructor(readonly file: string, readonly spec: StringValue, readonly what: string) {}

  at(offset: number): Position {
    return positionInString(this.spec, offset)
  }

  error(offset: number, message: string, hint?: string): Error {
    return configError(this.file, this.at(offset), `${this.what}: ${message}`, hint)
  }
}
