// The network peer for netperf: echoes every datagram (one ethernet frame
// under QEMU's UDP socket netdev) back to its sender.
import dgram from 'node:dgram'

export interface UdpEcho {
  port: number
  // Every datagram echoed so far, in arrival order.
  frames: Buffer[]
  close(): Promise<void>
}

// copies > 1 sends each datagram back that many times, a misbehaving link
// that the guest must notice.
export async function startUdpEcho({copies = 1}: {copies?: number} = {}): Promise<UdpEcho> {
  const socket = dgram.createSocket('udp4')
  const frames: Buffer[] = []
  socket.on('message', (msg, rinfo) => {
    frames.push(msg)
    for (let i = 0; i < copies; i++) socket.send(msg, rinfo.port, rinfo.address)
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject)
      resolve()
    })
  })
  return {
    port: socket.address().port,
    frames,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  }
}

// A loopback UDP port that was free a moment ago, for the guest's end of the
// link; QEMU binds it itself, so the probe socket must be closed first.
export async function freeUdpPort(): Promise<number> {
  const probe = dgram.createSocket('udp4')
  await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', () => resolve()))
  const {port} = probe.address()
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return port
}
