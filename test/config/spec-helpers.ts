// Spec strings as the parser hands them over: written into a one-line config
// `x = '...'`, so the first character of a spec is at column 6.
import {StringValue, parseXlCfg} from '../../src/lib/config/xlcfg-parser.js'
import {quoteString} from '../../src/lib/config/xlcfg-writer.js'
import {errorLine} from '../../src/lib/cli/errors.js'

export function specValue(spec: string): StringValue {
  const value = parseXlCfg(`x = ${quoteString(spec, "'")}`, 's.cfg').settings[0].value
  if (value.kind !== 'string') throw new Error('not a string')
  return value
}

/** The message the user would see, without the program name. */
export function messageOf(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    return errorLine(error).replace(/^reseer-xl: /, '')
  }
  throw new Error('expected an error')
}
