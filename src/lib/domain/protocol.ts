// The control protocol between reseer-xl verbs and a domain's process: one
// JSON request line on the domain's Unix socket, one JSON reply line; for
// `console` the connection then carries raw console bytes both ways.
import {createConnection, type Socket} from 'node:net'
import {ReseerError} from '../cli/errors.js'

export type Request =
  | {op: 'status'}
  | {op: 'pause'}
  | {op: 'unpause'}
  | {op: 'destroy'}
  | {op: 'console'}
  | {op: 'checkpoint'}
  | {op: 'record-start'; logDir: string; interval?: string; mode?: string; durationMs?: number}
  | {op: 'record-stop'}

export interface Reply {
  ok: boolean
  error?: string
  [key: string]: unknown
}

/** Open the socket and send one request; resolves with the reply and the still-open, paused socket. */
export function request(socketPath: string, req: Request, timeoutMs = 10_000): Promise<{reply: Reply; socket: Socket}> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath)
    let buffer = ''
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new ReseerError(`domain process did not answer '${req.op}' within ${timeoutMs / 1000}s`, {code: 'ETIMEDOUT'}))
    }, timeoutMs)
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString('latin1')
      const nl = buffer.indexOf('\n')
      if (nl < 0) return
      clearTimeout(timer)
      socket.off('data', onData)
      // Hold what follows the reply (console bytes) until the caller listens.
      socket.pause()
      const rest = Buffer.from(buffer.slice(nl + 1), 'latin1')
      let reply: Reply
      try {
        reply = JSON.parse(buffer.slice(0, nl)) as Reply
      } catch {
        socket.destroy()
        reject(new ReseerError('domain process sent a malformed reply', {code: 'EPROTO'}))
        return
      }
      if (rest.length > 0) socket.unshift(rest)
      resolve({reply, socket})
    }
    socket.on('data', onData)
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      reject(new ReseerError(`cannot reach the domain process (${error.code ?? error.message})`, {code: 'ECONNREFUSED', cause: error}))
    })
    socket.once('connect', () => socket.write(JSON.stringify(req) + '\n'))
  })
}

/** Send a request and close; a reply with ok=false becomes an error. */
export async function call(socketPath: string, req: Request, timeoutMs?: number): Promise<Reply> {
  const {reply, socket} = await request(socketPath, req, timeoutMs)
  socket.end()
  if (!reply.ok) {
    throw new ReseerError(reply.error ?? `'${req.op}' failed`, {code: typeof reply.code === 'string' ? reply.code : 'EDOMAIN', hint: typeof reply.hint === 'string' ? reply.hint : undefined})
  }
  return reply
}
