// Run the built reseer-xl the way a user types it.
import {spawn, spawnSync, type SpawnSyncReturns} from 'node:child_process'
import {fileURLToPath} from 'node:url'

export const bin = fileURLToPath(new URL('../../bin/run.js', import.meta.url))
export const repo = fileURLToPath(new URL('../../', import.meta.url))

export function cli(args: string[], options: {env?: NodeJS.ProcessEnv; input?: string; cwd?: string; timeout?: number} = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: {...process.env, ...options.env},
    input: options.input ?? '',
    cwd: options.cwd ?? repo,
    timeout: options.timeout ?? 120_000,
  })
}

/** The same, without blocking the test's event loop. */
export function cliAsync(args: string[], options: {env?: NodeJS.ProcessEnv; input?: string; cwd?: string} = {}):
Promise<{status: number | null; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {env: {...process.env, ...options.env}, cwd: options.cwd ?? repo})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d))
    child.stderr.on('data', (d: Buffer) => (stderr += d))
    child.stdin.end(options.input ?? '')
    child.on('close', (status) => resolve({status, stdout, stderr}))
  })
}
