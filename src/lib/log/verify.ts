// A full check of a log directory, file by file, for `log verify`: every
// event record's checksum and payload, the checkpoint chain, every stored
// page's checksum, compression and SHA-256, summaries and found paths. It
// reads only; it never repairs (a writer reopening the log cuts torn tails).
import {readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {ReseerError} from '../cli/errors.js'
import {decodeEvent} from './events.js'
import {decodeFoundPath} from './found-path.js'
import {readHeader} from './header.js'
import {CHECKPOINTS_DIR, HEADER_FILE, PAGES_DIR, PATHS_DIR, SUMMARIES_DIR, checkpointFile, numberedFiles, packFile, pathFile, streamFile, summaryFile} from './layout.js'
import {liveWriter} from './lock.js'
import {PackReader} from './pack.js'
import {LogReader, listFiles} from './reader.js'
import {scanStream} from './stream.js'
import {decodeSummary} from './summary.js'

export type FileStatus = 'ok' | 'torn' | 'corrupt' | 'missing'

export interface FileReport {
  /** Path relative to the log directory. */
  file: string
  status: FileStatus
  /** For torn and corrupt: where the damage starts. */
  offset?: number
  /** Records (events) or pages intact in the file. */
  intact?: number
  detail?: string
}

export interface VerifyReport {
  dir: string
  intact: boolean
  /** Checkpoints usable from 0 on. */
  checkpoints: number
  /** The pid of a recorder still writing the log: its streams may end in a record being written. */
  writer?: number
  files: FileReport[]
}

/** Reasons a log cannot be checked at all, which are errors rather than findings. */
const UNREADABLE = new Set(['ELOGFEATURE', 'ELOGVERSION', 'EBYTEORDER', 'ENOLOG'])

export function verifyLog(dir: string): VerifyReport {
  const files: FileReport[] = []
  const writer = liveWriter(dir)
  const done = (checkpoints: number): VerifyReport =>
    ({dir, intact: files.every((f) => f.status === 'ok'), checkpoints, ...(writer === undefined ? {} : {writer}), files})
  let reader: LogReader
  try {
    readHeader(dir)
    reader = LogReader.open(dir)
  } catch (error) {
    if (!(error instanceof ReseerError) || UNREADABLE.has(error.code)) throw error
    files.push({file: HEADER_FILE, status: 'corrupt', detail: error.message})
    return done(0)
  }
  try {
    files.push({file: HEADER_FILE, status: 'ok'})
    files.push(...checkCheckpoints(reader))
    files.push(...checkStreams(reader))
    files.push(...checkPacks(reader))
    files.push(...checkNumbered(reader, SUMMARIES_DIR, '.sum', summaryFile, (bytes, what, k) => {
      const s = decodeSummary(bytes, what)
      if (s.interval !== k) return `it says interval ${s.interval}`
      if (s.vcpus.length !== reader.header.vcpus) return `it has ${s.vcpus.length} vCPUs, the log ${reader.header.vcpus}`
      return undefined
    }))
    files.push(...checkNumbered(reader, PATHS_DIR, '.path', pathFile, (bytes, what, k) => {
      const p = decodeFoundPath(bytes, what)
      return p.interval === k ? undefined : `it says interval ${p.interval}`
    }))
    return done(reader.checkpointCount)
  } finally {
    reader.close()
  }
}

function checkCheckpoints(reader: LogReader): FileReport[] {
  const out: FileReport[] = []
  const present = numberedFiles(join(reader.dir, CHECKPOINTS_DIR), '.ckpt')
  for (let k = 0; k < reader.checkpointCount; k++) out.push({file: checkpointFile(k), status: 'ok'})
  if (reader.damage.length > 0) {
    const first = reader.checkpointCount
    const missing = !present.includes(first)
    out.push({file: checkpointFile(first), status: missing ? 'missing' : 'corrupt', detail: reader.damage[0]})
    for (const k of present) {
      if (k > first) out.push({file: checkpointFile(k), status: 'corrupt', detail: `unusable: follows damaged checkpoint ${first}`})
    }
  }
  return out
}

function checkStreams(reader: LogReader): FileReport[] {
  const out: FileReport[] = []
  for (let v = 0; v < reader.header.vcpus; v++) {
    const file = streamFile(v)
    // Each checkpoint's recorded length must fall on a record boundary.
    const marks = [...new Set(Array.from({length: reader.checkpointCount}, (_, k) => reader.manifest(k).streamBytes[v]))].sort((a, b) => a - b)
    let mark = 0
    let payloadError: FileReport | undefined
    let end
    try {
      end = scanStream(join(reader.dir, file), {
        onRecord: (r) => {
          while (mark < marks.length && marks[mark] <= r.offset) {
            if (marks[mark] < r.offset) payloadError ??= {file, status: 'corrupt', offset: marks[mark], detail: 'a checkpoint ends inside an event record'}
            mark++
          }
          if (payloadError) return
          try {
            decodeEvent(r.kind, r.payload)
          } catch (error) {
            payloadError = {file, status: 'corrupt', offset: r.offset, detail: (error as Error).message}
          }
        },
      })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      out.push({file, status: 'missing'})
      continue
    }
    while (mark < marks.length && marks[mark] < end.goodBytes) {
      payloadError ??= {file, status: 'corrupt', offset: marks[mark], detail: 'a checkpoint ends inside an event record'}
      mark++
    }
    const lastMark = marks.at(-1) ?? 0
    if (payloadError) {
      out.push({...payloadError, intact: end.records})
    } else if (end.status === 'ok' && lastMark <= end.goodBytes) {
      out.push({file, status: 'ok', intact: end.records})
    } else if (lastMark > end.goodBytes) {
      out.push({file, status: 'corrupt', offset: end.goodBytes, intact: end.records,
        detail: `${end.detail ?? 'stream ends early'}; checkpoint ${reader.checkpointCount - 1} expects ${lastMark} bytes`})
    } else {
      out.push({file, status: end.status, offset: end.damageOffset, intact: end.records, detail: end.detail})
    }
  }
  return out
}

function checkPacks(reader: LogReader): FileReport[] {
  const out: FileReport[] = []
  const last = reader.checkpointCount > 0 ? reader.manifest(reader.checkpointCount - 1) : undefined
  const committed = (pack: number): number => (last === undefined || pack > last.pack ? 0 : pack < last.pack ? Infinity : last.packBytes)
  const byPack = new Map<number, {offset: number; index: number}[]>()
  reader.contentLocations().forEach((loc, i) => {
    const list = byPack.get(loc.pack) ?? []
    list.push({offset: loc.offset, index: i})
    byPack.set(loc.pack, list)
  })
  const packNumbers = new Set([...byPack.keys()])
  for (const name of listFiles(join(reader.dir, PAGES_DIR))) {
    const m = /^pack-(\d+)\.dat$/.exec(name)
    if (m) packNumbers.add(Number(m[1]))
  }
  const packs = new PackReader(reader.dir)
  try {
    for (const pack of [...packNumbers].sort((a, b) => a - b)) {
      const file = packFile(pack)
      const size = statSync(join(reader.dir, file), {throwIfNoEntry: false})?.size
      if (size === undefined) {
        out.push({file, status: 'missing', detail: `${byPack.get(pack)?.length ?? 0} stored pages are lost`})
        continue
      }
      const locations = (byPack.get(pack) ?? []).sort((a, b) => a.offset - b.offset)
      let expected = 0
      let intact = 0
      let damage: FileReport | undefined
      for (const {offset, index} of locations) {
        const loc = reader.contentLocations()[index]
        if (offset !== expected) {
          damage ??= {file, status: 'corrupt', offset: Math.min(offset, expected), detail: 'page frames overlap or leave a gap'}
        }
        expected = offset + loc.frameBytes
        try {
          packs.read(loc, true)
          intact++
        } catch (error) {
          if (!(error instanceof ReseerError)) throw error
          damage ??= {file, status: 'corrupt', offset, detail: error.message.replace(/^.*?: /, '')}
        }
      }
      const end = Math.min(size, committed(pack))
      if (damage) {
        out.push({...damage, intact})
      } else if (expected > size) {
        out.push({file, status: 'corrupt', offset: size, intact, detail: 'file ends before its last page'})
      } else if (size > expected) {
        const unfinished = size > end || committed(pack) === 0
        out.push({file, status: unfinished ? 'torn' : 'corrupt', offset: expected, intact,
          detail: unfinished ? `${size - expected} bytes of an unfinished checkpoint` : `${size - expected} bytes no checkpoint refers to`})
      } else {
        out.push({file, status: 'ok', intact})
      }
    }
  } finally {
    packs.close()
  }
  return out
}

function checkNumbered(reader: LogReader, sub: string, extension: string, name: (k: number) => string,
  check: (bytes: Buffer, what: string, k: number) => string | undefined): FileReport[] {
  const out: FileReport[] = []
  for (const k of numberedFiles(join(reader.dir, sub), extension)) {
    const file = name(k)
    try {
      const problem = check(readFileSync(join(reader.dir, file)), file, k)
        ?? (k + 1 >= reader.checkpointCount ? `interval ${k} needs checkpoint ${k + 1}, and the log has ${reader.checkpointCount}` : undefined)
      out.push(problem ? {file, status: 'corrupt', detail: problem} : {file, status: 'ok'})
    } catch (error) {
      if (!(error instanceof ReseerError)) throw error
      out.push({file, status: 'corrupt', detail: error.message})
    }
  }
  return out
}

/** One line per file, as `log verify` prints it. */
export function describeFile(f: FileReport): string {
  // Details that already name the file read as the whole line.
  if (f.status !== 'ok' && f.detail?.startsWith(`${f.file} `)) return f.detail
  const intact = f.intact === undefined ? '' : ` (${f.intact} ${f.file.endsWith('.ev') ? 'records' : 'pages'} intact)`
  switch (f.status) {
    case 'ok':
      return `${f.file}: OK${f.intact === undefined ? '' : ` (${f.intact} ${f.file.endsWith('.ev') ? 'records' : 'pages'})`}`
    case 'missing':
      return `${f.file}: missing${f.detail ? `: ${f.detail}` : ''}`
    case 'torn':
      return `${f.file}: torn tail at offset ${f.offset}${intact}${f.detail ? `: ${f.detail}` : ''}`
    case 'corrupt':
      return `${f.file}: corrupt${f.offset === undefined ? '' : ` at offset ${f.offset}`}${intact}${f.detail ? `: ${f.detail}` : ''}`
  }
}
