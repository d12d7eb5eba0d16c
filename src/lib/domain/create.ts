// `create` for sim domains: refuse a name that is taken, then start the
// domain's own process, which claims the name for as long as it lives.
import {ReseerError} from '../cli/errors.js'
import type {DomainConfig} from '../config/domain-config.js'
import {launchDomain, type LaunchResult} from './launch.js'
import {findRecord, removeRecord} from './rundir.js'

export interface CreateOptions {
  paused?: boolean
  record?: {logDir: string; interval?: string; mode?: string; durationMs?: number}
}

export async function createDomain(config: DomainConfig, options: CreateOptions = {}): Promise<LaunchResult> {
  const existing = findRecord(config.name)
  if (existing?.alive) {
    throw new ReseerError(`domain '${config.name}' already exists (id ${existing.domid})`, {code: 'EEXIST', hint: `destroy it first or choose another name`})
  }
  if (existing) removeRecord(existing.name)
  return launchDomain(config.name, {configFile: config.configFile, backend: 'sim', paused: options.paused, record: options.record})
}
