// Where a bundled workload's ELF, expected output and example bootargs live.
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

const guests = new URL('../../guests/', import.meta.url)
const examples = new URL('../../examples/', import.meta.url)

export const elfOf = (name: string): string => fileURLToPath(new URL(`build/${name}.elf`, guests))

export const expectedOf = (name: string): string => readFileSync(new URL(`expected/${name}.out`, guests), 'utf8')

// The bootargs the example config passes, so the tests and examples/*.cfg
// cannot drift apart; expected outputs are for these bootargs and vcpus = 2.
export function bootargsOf(name: string): string {
  const cfg = readFileSync(new URL(`${name}.cfg`, examples), 'utf8')
  return /^extra\s*=\s*"([^"]*)"/m.exec(cfg)?.[1] ?? ''
}
