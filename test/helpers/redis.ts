// A real redis-server for farm tests and benchmarks: Debian's, on a free
// loopback port, with nothing saved to disk, stopped at teardown.
import {type ChildProcess, spawn, spawnSync} from 'node:child_process'
import {createServer} from 'node:net'

/** Why the farm tests cannot run here, or undefined when they can. */
export function redisMissing(): string | undefined {
  const probe = spawnSync('redis-server', ['--version'], {encoding: 'utf8'})
  return probe.error ? 'redis-server is not installed (apt-get install redis-server)' : undefined
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as {port: number}
      server.close(() => resolve(port))
    })
  })
}

export interface RedisServer {
  port: number
  url: string
  process: ChildProcess
  stop(): Promise<void>
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {stdio: ['ignore', 'pipe', 'pipe']})
  let output = ''
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer): void => {
      output += d
      if (/Ready to accept connections/.test(output)) resolve()
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)))
  })
  child.stdout!.resume()
  child.stderr!.resume()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    process: child,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGKILL')
    }),
  }
}
