// Names and fixed numbers of the log directory layout, in one place so the
// writer, the reader and reseer-log(5) cannot drift apart.
import {readdirSync} from 'node:fs'
import {join} from 'node:path'

/** Guest memory and disks are stored in pages (blocks) of this many bytes. */
export const PAGE_SIZE = 4096

/** The suffix of a log directory: the log of dom1 is dom1.reseer/. */
export const LOG_SUFFIX = '.reseer'

export const HEADER_FILE = 'header'
export const LOCK_FILE = 'lock'
export const EVENTS_DIR = 'events'
export const CHECKPOINTS_DIR = 'checkpoints'
export const PAGES_DIR = 'pages'
export const SUMMARIES_DIR = 'summaries'
export const PATHS_DIR = 'paths'

/** A pack file is closed and the next one begun once it passes this size. */
export const PACK_LIMIT = 256 * 1024 * 1024

/** Eight-byte magics: a high byte first so a text-mode transfer that mangles them is caught. */
export const MAGIC = {
  header: Buffer.from('\x89RSRLOG\n', 'latin1'),
  checkpoint: Buffer.from('\x89RSRCKP\n', 'latin1'),
  summary: Buffer.from('\x89RSRSUM\n', 'latin1'),
  path: Buffer.from('\x89RSRPTH\n', 'latin1'),
} as const

export function streamFile(vcpu: number): string {
  return join(EVENTS_DIR, `vcpu-${vcpu}.ev`)
}

export function packFile(pack: number): string {
  return join(PAGES_DIR, `pack-${String(pack).padStart(4, '0')}.dat`)
}

export function checkpointFile(index: number): string {
  return join(CHECKPOINTS_DIR, `${seq(index)}.ckpt`)
}

export function summaryFile(interval: number): string {
  return join(SUMMARIES_DIR, `${seq(interval)}.sum`)
}

export function pathFile(interval: number): string {
  return join(PATHS_DIR, `${seq(interval)}.path`)
}

function seq(n: number): string {
  return String(n).padStart(6, '0')
}

/** Parse the number out of a numbered file name ("000012.ckpt" -> 12), or undefined. */
function numberOf(name: string, extension: string): number | undefined {
  const m = new RegExp(`^(\\d{6,})\\${extension}$`).exec(name)
  return m ? Number(m[1]) : undefined
}

/** Numbers of the NNNNNN<extension> files in a directory (none if it is absent), ascending. */
export function numberedFiles(dir: string, extension: string): number[] {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  return names.map((n) => numberOf(n, extension)).filter((n): n is number => n !== undefined).sort((a, b) => a - b)
}
