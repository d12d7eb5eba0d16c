import {readFileSync} from 'node:fs'

/** The version in package.json, read once. */
let cached: string | undefined
export function packageVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {version: string}).version
  return cached
}
