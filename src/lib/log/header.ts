// The header file of a log directory: what recorded it, from which domain,
// and which features a reader must understand (mandatory) or may ignore
// (optional). A reader refuses an unknown mandatory feature by name rather
// than misreading a log written by a newer reseer-xl.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {ReseerError} from '../cli/errors.js'
import {damaged, openEnvelope, sealEnvelope} from './envelope.js'
import {HEADER_FILE, MAGIC, PAGE_SIZE} from './layout.js'

/**
 * Mandatory features this reseer-xl writes and understands.
 * - crc32c-frames: event records are framed with a length and a CRC-32C.
 * - content-pages: pages live once each in pack files, named by content id.
 * - deflate-raw: a stored page may be raw-deflate compressed (codec 1).
 */
export const MANDATORY_FEATURES = ['crc32c-frames', 'content-pages', 'deflate-raw'] as const

/**
 * Optional features this reseer-xl writes. A reader that lacks one can still
 * read the log; it only misses what the feature adds.
 * - sharing-summaries: per-interval read/write page sets in summaries/.
 * - found-paths: search results in paths/.
 */
export const OPTIONAL_FEATURES = ['sharing-summaries', 'found-paths'] as const

export type Backend = 'sim' | 'xen'
export type RecordingMode = 'reseer' | 'crew'

/** What the recorder says about the domain and itself when it creates a log. */
export interface LogHeaderInit {
  backend: Backend
  /** The domain's name, as in its config's `name =`. */
  domain: string
  vcpus: number
  /** Guest memory in bytes; pages past it do not exist. */
  memoryBytes: number
  /** The domain configuration, as the config parser produced it; opaque here. */
  config: Record<string, unknown>
  mode: RecordingMode
  /** The tool that created the log, e.g. {tool: 'reseer-xl', version: '0.1.0'}. */
  creator: {tool: string; version: string; [key: string]: unknown}
}

export interface LogHeader extends LogHeaderInit {
  formatVersion: number
  byteOrder: 'little'
  pageSize: number
  features: {mandatory: string[]; optional: string[]}
  /** Optional features the header names that this reseer-xl does not know (and ignores). */
  unknownOptional: string[]
}

export function encodeHeader(init: LogHeaderInit): Buffer {
  validateInit(init, 'header')
  return sealEnvelope(MAGIC.header, {
    formatVersion: 1,
    byteOrder: 'little',
    pageSize: PAGE_SIZE,
    features: {mandatory: [...MANDATORY_FEATURES], optional: [...OPTIONAL_FEATURES]},
    backend: init.backend,
    domain: init.domain,
    vcpus: init.vcpus,
    memoryBytes: init.memoryBytes,
    mode: init.mode,
    config: init.config,
    creator: init.creator,
  })
}

/** Decode a header; `what` names the file in errors. */
export function decodeHeader(bytes: Buffer, what = HEADER_FILE): LogHeader {
  const {json} = openEnvelope(bytes, MAGIC.header, what, 'log header')
  const features = json.features as {mandatory?: unknown; optional?: unknown} | undefined
  const mandatory = stringList(features?.mandatory, what, 'features.mandatory')
  const optional = stringList(features?.optional, what, 'features.optional')
  for (const feature of mandatory) {
    if (!(MANDATORY_FEATURES as readonly string[]).includes(feature)) {
      throw new ReseerError(`log needs feature '${feature}' which this reseer-xl does not know; upgrade reseer-xl`, {code: 'ELOGFEATURE'})
    }
  }
  if (json.pageSize !== PAGE_SIZE) throw damaged(`${what} has page size ${String(json.pageSize)}; this reseer-xl handles only ${PAGE_SIZE}`)
  const header: LogHeader = {
    formatVersion: json.formatVersion as number,
    byteOrder: 'little',
    pageSize: PAGE_SIZE,
    features: {mandatory, optional},
    unknownOptional: optional.filter((f) => !(OPTIONAL_FEATURES as readonly string[]).includes(f)),
    backend: json.backend as Backend,
    domain: json.domain as string,
    vcpus: json.vcpus as number,
    memoryBytes: json.memoryBytes as number,
    mode: json.mode as RecordingMode,
    config: json.config as Record<string, unknown>,
    creator: json.creator as LogHeader['creator'],
  }
  validateInit(header, what)
  return header
}

export function readHeader(dir: string): LogHeader {
  let bytes: Buffer
  try {
    bytes = readFileSync(join(dir, HEADER_FILE))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ReseerError(`${dir} is not a reseer log directory (no ${HEADER_FILE} file)`, {code: 'ENOLOG'})
    }
    throw error
  }
  return decodeHeader(bytes, join(dir, HEADER_FILE))
}

function validateInit(h: LogHeaderInit, what: string): void {
  const bad = (field: string): never => {
    throw new ReseerError(`${what}: invalid ${field}`, {code: 'ELOGHEADER'})
  }
  if (h.backend !== 'sim' && h.backend !== 'xen') bad(`backend '${String(h.backend)}' (expected sim or xen)`)
  if (typeof h.domain !== 'string' || h.domain === '') bad('domain name')
  if (!Number.isInteger(h.vcpus) || h.vcpus < 1 || h.vcpus > 4096) bad(`vCPU count ${String(h.vcpus)}`)
  if (!Number.isSafeInteger(h.memoryBytes) || h.memoryBytes < 0 || h.memoryBytes % PAGE_SIZE !== 0) bad(`memory size ${String(h.memoryBytes)} (must be a multiple of ${PAGE_SIZE})`)
  if (h.mode !== 'reseer' && h.mode !== 'crew') bad(`recording mode '${String(h.mode)}' (expected reseer or crew)`)
  if (h.config === null || typeof h.config !== 'object' || Array.isArray(h.config)) bad('domain config (expected a JSON object)')
  if (h.creator === null || typeof h.creator !== 'object' || typeof h.creator.tool !== 'string' || typeof h.creator.version !== 'string') bad('creator (expected {tool, version})')
}

function stringList(value: unknown, what: string, field: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw damaged(`${what} is corrupt (${field} is not a list of names)`)
  return value as string[]
}
