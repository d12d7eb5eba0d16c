// Attach the terminal to a domain's UART, as `xl console` does: raw mode,
// Ctrl-] detaches. Without a terminal, stdin is forwarded as it is and the
// console is left when the domain goes away.
import {request} from './protocol.js'
import {requireDomain} from './control.js'
import {ReseerError} from '../cli/errors.js'

const DETACH = 0x1d // Ctrl-]

/** Resolves when the console is detached or the domain is gone; says which. */
export async function attachConsole(nameOrId: string, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stdout):
Promise<'detached' | 'domain-exited'> {
  const record = requireDomain(nameOrId)
  const {reply, socket} = await request(record.socket, {op: 'console'})
  if (!reply.ok) {
    socket.destroy()
    throw new ReseerError(reply.error ?? 'console refused', {code: 'EDOMAIN'})
  }
  const raw = Boolean(input.isTTY)
  if (raw) input.setRawMode(true)
  return new Promise((resolve) => {
    let done = false
    const finish = (how: 'detached' | 'domain-exited'): void => {
      if (done) return
      done = true
      input.off('data', onInput)
      input.off('end', onEnd)
      if (raw) input.setRawMode(false)
      input.pause()
      socket.end()
      resolve(how)
    }
    const onInput = (chunk: Buffer): void => {
      const at = raw ? chunk.indexOf(DETACH) : -1
      if (at >= 0) {
        if (at > 0) socket.write(chunk.subarray(0, at))
        finish('detached')
        return
      }
      socket.write(chunk)
    }
    // Without a terminal, the end of stdin is not a wish to detach: keep
    // showing the console until the domain goes away.
    const onEnd = (): void => {
      input.off('data', onInput)
    }
    socket.on('data', (chunk: Buffer) => output.write(chunk))
    socket.resume()
    socket.on('close', () => finish('domain-exited'))
    socket.on('error', () => finish('domain-exited'))
    input.on('data', onInput)
    input.on('end', onEnd)
    input.resume()
  })
}
