// The control server inside a domain's process: answers the verbs' requests
// on the domain's Unix socket (mode 0600, so only its owner may open it) and
// fans console output out to every attached console.
import {chmodSync, rmSync} from 'node:fs'
import {createServer, type Server, type Socket} from 'node:net'
import type {ReseerError} from '../cli/errors.js'
import type {Reply, Request} from './protocol.js'

/** What the server controls: the domain, whatever runs it. */
export interface DomainHost {
  status(): Record<string, unknown>
  pause(): Promise<void>
  unpause(): Promise<void>
  /** Stop the domain for good; the process exits afterwards. */
  destroy(): Promise<void>
  consoleInput(bytes: Uint8Array): void
  checkpoint(): Promise<Record<string, unknown>>
  recordStart(req: Extract<Request, {op: 'record-start'}>): Promise<Record<string, unknown>>
  recordStop(): Promise<Record<string, unknown>>
}

/** Console bytes kept for a console that attaches late (create, then console). */
const BACKLOG_BYTES = 64 * 1024

export class ControlServer {
  private readonly server: Server
  private readonly consoles = new Set<Socket>()
  private backlog: Buffer = Buffer.alloc(0)

  constructor(private readonly host: DomainHost, private readonly socketPath: string) {
    this.server = createServer((socket) => this.accept(socket))
  }

  listen(): Promise<void> {
    rmSync(this.socketPath, {force: true})
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(this.socketPath, () => {
        chmodSync(this.socketPath, 0o600)
        resolve()
      })
    })
  }

  /** Console output of the guest, to every attached console. */
  consoleOutput(bytes: Uint8Array): void {
    const chunk = Buffer.from(bytes)
    this.backlog = Buffer.concat([this.backlog, chunk])
    if (this.backlog.length > BACKLOG_BYTES) this.backlog = this.backlog.subarray(this.backlog.length - BACKLOG_BYTES)
    for (const socket of this.consoles) socket.write(chunk)
  }

  close(): Promise<void> {
    for (const socket of this.consoles) socket.end()
    return new Promise((resolve) => this.server.close(() => {
      rmSync(this.socketPath, {force: true})
      resolve()
    }))
  }

  private accept(socket: Socket): void {
    let buffer = ''
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString('latin1')
      const nl = buffer.indexOf('\n')
      if (nl < 0) {
        if (buffer.length > 64 * 1024) socket.destroy()
        return
      }
      socket.off('data', onData)
      const line = buffer.slice(0, nl)
      const rest = Buffer.from(buffer.slice(nl + 1), 'latin1')
      void this.handle(line, socket, rest)
    }
    socket.on('data', onData)
    socket.on('error', () => socket.destroy())
  }

  private async handle(line: string, socket: Socket, rest: Buffer): Promise<void> {
    let req: Request
    try {
      req = JSON.parse(line) as Request
    } catch {
      this.reply(socket, {ok: false, error: 'malformed request'}, true)
      return
    }
    try {
      switch (req.op) {
        case 'status':
          this.reply(socket, {ok: true, ...this.host.status()}, true)
          return
        case 'pause':
          await this.host.pause()
          this.reply(socket, {ok: true}, true)
          return
        case 'unpause':
          await this.host.unpause()
          this.reply(socket, {ok: true}, true)
          return
        case 'destroy':
          this.reply(socket, {ok: true}, true)
          await this.host.destroy()
          return
        case 'checkpoint':
          this.reply(socket, {ok: true, ...(await this.host.checkpoint())}, true)
          return
        case 'record-start':
          this.reply(socket, {ok: true, ...(await this.host.recordStart(req))}, true)
          return
        case 'record-stop':
          this.reply(socket, {ok: true, ...(await this.host.recordStop())}, true)
          return
        case 'console':
          this.attachConsole(socket, rest)
          return
        default:
          this.reply(socket, {ok: false, error: `unknown request '${(req as {op: string}).op}'`}, true)
      }
    } catch (error) {
      const {code, hint} = error as ReseerError
      this.reply(socket, {ok: false, error: (error as Error).message, ...(code ? {code} : {}), ...(hint ? {hint} : {})}, true)
    }
  }

  private attachConsole(socket: Socket, rest: Buffer): void {
    this.reply(socket, {ok: true}, false)
    if (this.backlog.length > 0) socket.write(this.backlog)
    this.consoles.add(socket)
    if (rest.length > 0) this.host.consoleInput(rest)
    socket.on('data', (chunk: Buffer) => this.host.consoleInput(chunk))
    socket.on('close', () => this.consoles.delete(socket))
  }

  private reply(socket: Socket, reply: Reply, end: boolean): void {
    const text = JSON.stringify(reply) + '\n'
    if (end) socket.end(text)
    else socket.write(text)
  }
}
