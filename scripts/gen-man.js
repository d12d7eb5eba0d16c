#!/usr/bin/env node
// Builds man/reseer-xl.1 from the prose kept in man/src/ and the verbs'
// own metadata in oclif.manifest.json, so that the manual's list of verbs,
// flags and examples cannot drift from the command itself.
import {readFileSync, writeFileSync} from 'node:fs'

const root = new URL('../', import.meta.url)
const read = (path) => readFileSync(new URL(path, root), 'utf8')
const manifest = JSON.parse(read('oclif.manifest.json'))
const pkg = JSON.parse(read('package.json'))

/** Escape text for roff: backslashes, and a leading dot or quote. */
function roff(text) {
  return String(text ?? '')
    .replaceAll('\\', '\\e')
    .replaceAll('-', '\\-')
    .split('\n')
    .map((line) => (/^[.']/.test(line) ? `\\&${line}` : line))
    .join('\n')
}

const bin = manifest.commands ? 'reseer-xl' : 'reseer-xl'
const expand = (text) => String(text).replaceAll('<%= config.bin %>', bin).replaceAll('<%= command.id %>', '')

function flagUsage(flag) {
  const names = [flag.char ? `\\-${flag.char}` : undefined, `\\-\\-${roff(flag.name)}`].filter(Boolean).join(', ')
  const value = flag.type === 'option' ? ` \\fI${roff((flag.helpValue ?? flag.name).toUpperCase())}\\fR` : ''
  return `\\fB${names}\\fR${value}`
}

function verbSection(cmd) {
  const id = cmd.id.replaceAll(':', ' ')
  const args = Object.values(cmd.args ?? {}).map((a) => (a.required ? `\\fI${roff(a.name.toUpperCase())}\\fR` : `[\\fI${roff(a.name.toUpperCase())}\\fR]`))
  const lines = ['.TP', `\\fB${roff(id)}\\fR [\\fIOPTIONS\\fR] ${args.join(' ')}`.trim(), roff(cmd.summary ?? '')]
  if (cmd.description) lines.push('.IP', roff(cmd.description))
  for (const arg of Object.values(cmd.args ?? {})) {
    if (arg.description) lines.push('.IP', `\\fI${roff(arg.name.toUpperCase())}\\fR: ${roff(arg.description)}`)
  }
  const flags = Object.values(cmd.flags ?? {}).filter((f) => !f.hidden && f.helpGroup !== 'GLOBAL')
  for (const flag of flags.sort((a, b) => a.name.localeCompare(b.name))) {
    const def = flag.default !== undefined && flag.default !== false ? ` (default: ${roff(String(flag.default))})` : ''
    const opts = flag.options ? ` One of: ${roff(flag.options.join(', '))}.` : ''
    lines.push('.RS', '.TP', flagUsage(flag), `${roff(flag.summary ?? flag.description ?? '')}${opts}${def}`, '.RE')
  }
  const examples = (cmd.examples ?? []).map((e) => (typeof e === 'string' ? e : e.command))
  if (examples.length > 0) {
    lines.push('.IP', 'Examples:', '.RS', '.nf')
    for (const example of examples) lines.push(roff(expand(example)))
    lines.push('.fi', '.RE')
  }
  return lines.join('\n')
}

const commands = Object.values(manifest.commands).filter((c) => !c.hidden).sort((a, b) => a.id.localeCompare(b.id))
const out = [
  `.TH RESEER\\-XL 1 "" "reseer\\-xl ${roff(pkg.version)}" "reseer-xl manual"`,
  read('man/src/reseer-xl.head.roff').trimEnd(),
  '.SH VERBS',
  ...commands.map(verbSection),
  read('man/src/reseer-xl.tail.roff').trimEnd(),
  '',
].join('\n')
writeFileSync(new URL('man/reseer-xl.1', root), out)
