// Start a domain's own process (the equivalent of Xen's device model) in the
// background and wait until it answers on its socket or reports why it
// could not start. The process outlives the verb that started it.
import {spawn} from 'node:child_process'
import {openSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {ReseerError} from '../cli/errors.js'
import {runDir} from './rundir.js'

export interface LaunchOptions {
  configFile: string
  backend?: 'sim' | 'xen'
  /** Start paused (xl create -p). */
  paused?: boolean
  /** Record from the first instruction into this log directory. */
  record?: {logDir: string; interval?: string; mode?: string; durationMs?: number}
}

export interface LaunchResult {
  name: string
  domid: number
  pid: number
  logFile: string
}

const daemonMain = fileURLToPath(new URL('./daemon-main.js', import.meta.url))

/** The log file of a domain's process, like xl's qemu-dm-NAME.log. */
export function daemonLogFile(name: string): string {
  return join(runDir(), `${name}.log`)
}

export function launchDomain(name: string, options: LaunchOptions, timeoutMs = 30_000): Promise<LaunchResult> {
  const logFile = daemonLogFile(name)
  const log = openSync(logFile, 'a', 0o600)
  const child = spawn(process.execPath, [daemonMain, JSON.stringify(options)], {
    detached: true,
    stdio: ['ignore', 'pipe', log],
  })
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new ReseerError(`domain '${name}' did not start within ${timeoutMs / 1000}s`, {hint: `see ${logFile}`}))
    }, timeoutMs)
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const nl = out.indexOf('\n')
      if (nl < 0) return
      clearTimeout(timer)
      const line = out.slice(0, nl)
      child.stdout!.destroy()
      child.unref()
      let msg: {ok: boolean; domid?: number; error?: string; code?: string}
      try {
        msg = JSON.parse(line)
      } catch {
        reject(new ReseerError(`domain '${name}' process said something unexpected: ${line.slice(0, 200)}`))
        return
      }
      if (msg.ok) resolve({name, domid: msg.domid!, pid: child.pid!, logFile})
      else reject(new ReseerError(msg.error ?? 'domain failed to start', {code: msg.code}))
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new ReseerError(`domain '${name}' process exited during start-up (${signal ?? `status ${code}`})`, {hint: `see ${logFile}`}))
    })
  })
}
