// The xl.cfg(5) file syntax, as libxlu reads it: `KEY = VALUE` statements
// ended by a newline or ';', values that are integers, quoted strings or
// bracketed lists (which may span lines, nest and end in a trailing comma),
// `#` comments, and `KEY += VALUE` to append to an earlier string or list.
// Every value keeps the place it was written, so that checks made long after
// parsing can still name FILE:LINE:COLUMN.
import {Position, configError} from './config-error.js'

export interface NumberValue extends Position {
  kind: 'number'
  value: number
  /** The number as written, for messages. */
  text: string
}

export interface StringValue extends Position {
  kind: 'string'
  value: string
  /**
   * The source line and column of each character of the decoded string, and
   * one more for the closing quote: an error found inside a disk or vif spec
   * string can then point at the exact place even past escape sequences, or
   * into the part a `+=` added on a later line.
   */
  lines: number[]
  columns: number[]
}

export interface ListValue extends Position {
  kind: 'list'
  items: CfgValue[]
}

export type CfgValue = NumberValue | StringValue | ListValue

export interface CfgSetting extends Position {
  key: string
  value: CfgValue
  /** Written as `KEY += VALUE`. */
  append: boolean
}

export interface CfgDocument {
  /** The file name as it appears in messages. */
  file: string
  /** Statements in file order. */
  settings: CfgSetting[]
}

/** The place of character `index` of a string value. */
export function positionInString(value: StringValue, index: number): Position {
  const clamped = Math.max(0, Math.min(index, value.columns.length - 1))
  return {line: value.lines[clamped], column: value.columns[clamped]}
}

export function describeValueKind(value: CfgValue): string {
  return value.kind === 'list' ? 'a list' : value.kind === 'string' ? `the string ${JSON.stringify(value.value)}` : `the number ${value.text}`
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', "'": "'", '"': '"',
}

// xl reads integers with strtol(.., 0): a leading 0 means octal, 0x hex.
const NUMBER_SHAPE = /^-?(?:0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/

class Parser {
  private i = 0
  private line = 1
  private lineStart = 0

  constructor(private readonly text: string, private readonly file: string) {}

  parse(): CfgDocument {
    const settings: CfgSetting[] = []
    for (;;) {
      this.skipBlanks()
      const c = this.peek()
      if (c === undefined) break
      if (c === '\n' || c === ';') {
        this.advance()
        continue
      }
      settings.push(this.setting())
      this.endOfStatement()
    }
    return {file: this.file, settings}
  }

  private setting(): CfgSetting {
    const at = this.here()
    const key = this.word()
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      throw this.error(at, `expected a key (a name such as 'memory'), found ${this.describeWord(key)}`)
    }
    this.skipBlanks()
    let append = false
    if (this.text.startsWith('+=', this.i)) {
      append = true
      this.advance(2)
    } else if (this.peek() === '=') {
      this.advance()
    } else {
      throw this.error(this.here(), `expected '=' after '${key}', found ${this.describeNext()}`)
    }
    this.skipBlanks()
    return {key, value: this.value(), append, ...at}
  }

  private value(): CfgValue {
    const c = this.peek()
    if (c === '"' || c === "'") return this.string(c)
    if (c === '[') return this.list()
    if (c !== undefined && /[-0-9]/.test(c)) return this.number()
    throw this.error(this.here(), `expected a value (number, string or list), found ${this.describeNext()}`,
      c !== undefined && /[A-Za-z_]/.test(c) ? 'put strings in quotes' : undefined)
  }

  private number(): NumberValue {
    const at = this.here()
    const text = this.word()
    if (!NUMBER_SHAPE.test(text)) {
      throw this.error(at, `bad number '${text}', expected a decimal, 0x hexadecimal or 0 octal integer`)
    }
    const negative = text.startsWith('-')
    const digits = negative ? text.slice(1) : text
    const magnitude = /^0[xX]/.test(digits) ? parseInt(digits.slice(2), 16) : digits.length > 1 && digits.startsWith('0') ? parseInt(digits.slice(1), 8) : parseInt(digits, 10)
    if (!Number.isSafeInteger(magnitude)) throw this.error(at, `number '${text}' is too large`)
    return {kind: 'number', value: negative ? -magnitude : magnitude, text, ...at}
  }

  private string(quote: string): StringValue {
    const at = this.here()
    this.advance()
    let value = ''
    const columns: number[] = []
    const lines: number[] = []
    for (;;) {
      const c = this.peek()
      if (c === undefined || c === '\n') {
        throw this.error(at, `unterminated string, expected a closing ${quote} before the end of the ${c === undefined ? 'file' : 'line'}`)
      }
      const column = this.column()
      lines.push(this.line)
      columns.push(column)
      if (c === quote) {
        this.advance()
        return {kind: 'string', value, lines, columns, ...at}
      }
      if (c !== '\\') {
        value += c
        this.advance()
        continue
      }
      value += this.escape()
    }
  }

  private escape(): string {
    const at = this.here()
    this.advance()
    const c = this.peek()
    if (c !== undefined && c in SIMPLE_ESCAPES) {
      this.advance()
      return SIMPLE_ESCAPES[c]
    }
    if (c === 'x') {
      const hex = this.text.slice(this.i + 1, this.i + 3)
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw this.error(at, `bad escape '\\x${hex.replace(/[^0-9a-fA-F].*$/s, '')}', expected \\x and two hexadecimal digits`)
      this.advance(3)
      return String.fromCharCode(parseInt(hex, 16))
    }
    if (c !== undefined && /[0-7]/.test(c)) {
      const octal = /^[0-7]{1,3}/.exec(this.text.slice(this.i, this.i + 3))![0]
      const code = parseInt(octal, 8)
      if (code > 0xff) throw this.error(at, `bad escape '\\${octal}', octal escapes go up to \\377`)
      this.advance(octal.length)
      return String.fromCharCode(code)
    }
    const shown = c === undefined || c === '\n' ? '\\' : `\\${c}`
    throw this.error(at, `bad escape '${shown}' in string, expected one of \\n \\t \\r \\\\ \\' \\" \\xHH or an octal \\ooo`)
  }

  private list(): ListValue {
    const at = this.here()
    this.advance()
    const items: CfgValue[] = []
    for (;;) {
      this.skipBlanksAndNewlines()
      const c = this.peek()
      if (c === undefined) throw this.error(at, `unclosed list, expected ']' before the end of the file`)
      if (c === ']') {
        this.advance()
        return {kind: 'list', items, ...at}
      }
      items.push(this.value())
      this.skipBlanksAndNewlines()
      const after = this.peek()
      if (after === ',') {
        this.advance()
        continue
      }
      if (after === ']') continue
      if (after === undefined) throw this.error(at, `unclosed list, expected ']' before the end of the file`)
      throw this.error(this.here(), `expected ',' or ']' in the list opened at ${at.line}:${at.column}, found ${this.describeNext()}`)
    }
  }

  private endOfStatement(): void {
    this.skipBlanks()
    const c = this.peek()
    if (c === undefined || c === '\n' || c === ';') return
    throw this.error(this.here(), `expected ';' or the end of the line after the value, found ${this.describeNext()}`)
  }

  /** Spaces, tabs, carriage returns and a comment up to (not including) the newline. */
  private skipBlanks(): void {
    for (;;) {
      const c = this.peek()
      if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
        this.advance()
      } else if (c === '#') {
        while (this.peek() !== undefined && this.peek() !== '\n') this.advance()
      } else {
        return
      }
    }
  }

  private skipBlanksAndNewlines(): void {
    for (;;) {
      this.skipBlanks()
      if (this.peek() !== '\n') return
      this.advance()
    }
  }

  /** A run of characters that could form a key or a number. */
  private word(): string {
    const start = this.i
    if (this.peek() === '-') this.advance()
    while (this.i < this.text.length && /[A-Za-z0-9_.]/.test(this.text[this.i])) this.advance()
    if (this.i === start) this.advance()
    return this.text.slice(start, this.i)
  }

  private describeNext(): string {
    const c = this.peek()
    if (c === undefined) return 'the end of the file'
    if (c === '\n') return 'the end of the line'
    if (/[A-Za-z0-9_]/.test(c)) return `'${/^[A-Za-z0-9_.-]+/.exec(this.text.slice(this.i))![0]}'`
    return this.describeWord(c)
  }

  private describeWord(word: string): string {
    if (word === '') return 'the end of the file'
    if (word === '\n') return 'the end of the line'
    return `'${word.replace(/[\x00-\x1f\x7f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`)}'`
  }

  private peek(): string | undefined {
    return this.i < this.text.length ? this.text[this.i] : undefined
  }

  private advance(count = 1): void {
    for (let k = 0; k < count && this.i < this.text.length; k++) {
      if (this.text[this.i] === '\n') {
        this.line++
        this.lineStart = this.i + 1
      }
      this.i++
    }
  }

  private column(): number {
    return this.i - this.lineStart + 1
  }

  private here(): Position {
    return {line: this.line, column: this.column()}
  }

  private error(at: Position, message: string, hint?: string): Error {
    return configError(this.file, at, message, hint)
  }
}

/** Parse the text of an xl.cfg file; `file` is the name used in messages. */
export function parseXlCfg(text: string, file: string): CfgDocument {
  return new Parser(text.startsWith('\ufeff') ? text.slice(1) : text, file).parse()
}

/**
 * The value each key ends up with: a later `KEY = VALUE` replaces an earlier
 * one, as in xl, and `KEY += VALUE` extends an earlier string or list.
 */
export function effectiveSettings(doc: CfgDocument): Map<string, CfgSetting> {
  const result = new Map<string, CfgSetting>()
  for (const setting of doc.settings) {
    const earlier = result.get(setting.key)
    if (!setting.append || !earlier) {
      result.set(setting.key, setting)
      continue
    }
    result.set(setting.key, {...earlier, value: appendValue(doc.file, earlier.value, setting.value)})
  }
  return result
}

function appendValue(file: string, earlier: CfgValue, more: CfgValue): CfgValue {
  if (earlier.kind === 'list' && more.kind === 'list') return {...earlier, items: [...earlier.items, ...more.items]}
  if (earlier.kind === 'string' && more.kind === 'string') {
    return {
      ...earlier,
      value: earlier.value + more.value,
      lines: [...earlier.lines.slice(0, -1), ...more.lines],
      columns: [...earlier.columns.slice(0, -1), ...more.columns],
    }
  }
  throw configError(file, more, `cannot append ${describeValueKind(more)} to ${describeValueKind(earlier)} set at ${earlier.line}:${earlier.column}`)
}
