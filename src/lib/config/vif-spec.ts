// One entry of `vif = [...]`, in the syntax of xl-network-configuration(5):
// comma-separated `key=value` settings. For the sim backend a vif is a
// virtio-net device whose wire is a UDP socket, one ethernet frame per
// datagram, as QEMU's `-netdev socket,udp=PEER,localaddr=LOCAL`: written
// `type=udp, ip=PEER, localaddr=LOCAL`, each address HOST:PORT.
import {createHash} from 'node:crypto'
import {isIPv4, isIPv6} from 'node:net'
import {StringValue} from './xlcfg-parser.js'
import {SpecContext, splitSpec} from './spec-string.js'

export type Backend = 'sim' | 'xen'

export interface UdpEndpoint {
  host: string
  port: number
}

export interface VifConfig {
  /** Lower-case colon form; derived from the domain name and index when not given. */
  mac: string
  devid: number
  bridge?: string
  /** Space-separated addresses, as xl keeps them. */
  ip?: string
  /** ioemu or vif on Xen; udp, the only kind, on the sim. */
  type?: 'ioemu' | 'vif' | 'udp'
  model?: string
  vifname?: string
  script?: string
  backend?: string
  rate?: string
  mtu?: number
  gatewaydev?: string
  /** sim: where the domain's frames are sent. */
  udpPeer?: UdpEndpoint
  /** sim: where the domain receives frames. */
  udpLocal?: UdpEndpoint
}

const KEYS = ['mac', 'bridge', 'ip', 'type', 'model', 'vifname', 'script', 'backend', 'rate', 'mtu', 'gatewaydev', 'devid', 'localaddr'] as const
type Key = (typeof KEYS)[number]
const MAC_SHAPE = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/i
const RATE_SHAPE = /^[0-9]+(?:\.[0-9]+)?[GMK]?[bB]\/s(?:@[0-9]+(?:us|ms|s))?$/
/** The only network device the sim machine has. */
export const SIM_NIC_MODEL = 'virtio-net'

/**
 * Read one vif spec: the `index`-th of domain `domain`. The backend decides
 * whether the UDP keys are required (sim) or refused (xen).
 */
export function parseVifSpec(spec: StringValue, file: string, index: number, domain: string, backend: Backend): VifConfig {
  const ctx = new SpecContext(file, spec, `vif '${spec.value}'`)
  const given = new Map<Key, {value: string; offset: number}>()
  for (const item of splitSpec(spec.value)) {
    if (item.text === '') continue
    if (item.key === undefined) throw ctx.error(item.start, `expected KEY=VALUE, found '${item.text}'`)
    const key = item.key.toLowerCase() as Key
    if (!KEYS.includes(key)) throw ctx.error(item.start, `unknown setting '${item.key}'`, `expected one of ${KEYS.join(', ')}`)
    if (given.has(key)) throw ctx.error(item.start, `'${key}' is given twice`)
    given.set(key, {value: item.value!, offset: item.valueStart!})
  }
  const str = (key: Key): string | undefined => {
    const v = given.get(key)?.value
    return v === undefined || v === '' ? undefined : v
  }
  const offset = (key: Key): number => given.get(key)!.offset

  const vif: VifConfig = {mac: derivedMac(domain, index), devid: index}
  const mac = str('mac')
  if (mac) {
    if (!MAC_SHAPE.test(mac)) throw ctx.error(offset('mac'), `bad mac '${mac}'`, 'expected six hexadecimal octets such as 00:16:3e:12:34:56')
    if (parseInt(mac.slice(0, 2), 16) & 1) throw ctx.error(offset('mac'), `mac '${mac}' is a multicast address`, 'a NIC needs a unicast address (an even first octet)')
    vif.mac = mac.toLowerCase()
  }
  const devid = str('devid')
  if (devid) vif.devid = integer(ctx, 'devid', devid, offset('devid'), 0, 0xffff)
  const rate = str('rate')
  if (rate) {
    if (!RATE_SHAPE.test(rate)) throw ctx.error(offset('rate'), `bad rate '${rate}'`, 'expected RATE/s[@INTERVAL] such as 10Mb/s or 1GB/s@20ms')
    vif.rate = rate
  }
  const mtu = str('mtu')
  if (mtu) vif.mtu = integer(ctx, 'mtu', mtu, offset('mtu'), 68, 65535)
  for (const key of ['bridge', 'model', 'vifname', 'script', 'backend', 'gatewaydev'] as const) {
    const v = str(key)
    if (v) vif[key] = v
  }

  const type = str('type')
  const ip = str('ip')
  const localaddr = str('localaddr')
  if (backend === 'xen') {
    if (type === 'udp' || localaddr) {
      throw ctx.error(type === 'udp' ? offset('type') : offset('localaddr'), `${type === 'udp' ? 'type=udp' : 'localaddr='} is only for the sim backend`, 'use bridge= to connect a Xen domain')
    }
    if (type) {
      if (type !== 'ioemu' && type !== 'vif') throw ctx.error(offset('type'), `type must be 'ioemu' or 'vif', found '${type}'`)
      vif.type = type
    }
    if (ip) vif.ip = addresses(ctx, ip, offset('ip'))
    return vif
  }
  if (type && type !== 'udp') throw ctx.error(offset('type'), `the sim backend has only type=udp vifs, not '${type}'`)
  if (!ip || !localaddr) {
    const missing = [ip ? '' : 'ip=HOST:PORT (the peer)', localaddr ? '' : 'localaddr=HOST:PORT (where the domain receives)'].filter(Boolean)
    throw ctx.error(0, `a sim vif needs ${missing.join(' and ')}`, "e.g. 'type=udp, ip=127.0.0.1:5555, localaddr=127.0.0.1:5556'")
  }
  if (vif.model && vif.model !== SIM_NIC_MODEL) throw ctx.error(offset('model'), `the sim backend has only the ${SIM_NIC_MODEL} model, not '${vif.model}'`)
  vif.type = 'udp'
  vif.udpPeer = endpoint(ctx, 'ip', ip, offset('ip'))
  vif.udpLocal = endpoint(ctx, 'localaddr', localaddr, offset('localaddr'))
  return vif
}

/** xl's ip=: addresses separated by blanks. */
function addresses(ctx: SpecContext, ip: string, offset: number): string {
  const list = ip.trim().split(/\s+/)
  const bad = list.find((a) => !isIPv4(a.replace(/\/[0-9]+$/, '')) && !isIPv6(a.replace(/\/[0-9]+$/, '')))
  if (bad) throw ctx.error(offset + ip.indexOf(bad), `bad ip address '${bad}'`)
  return list.join(' ')
}

function integer(ctx: SpecContext, key: string, text: string, offset: number, min: number, max: number): number {
  if (!/^[0-9]+$/.test(text)) throw ctx.error(offset, `${key} must be a number, found '${text}'`)
  const n = Number(text)
  if (n < min || n > max) throw ctx.error(offset, `${key} ${n} is out of range ${min}..${max}`)
  return n
}

function endpoint(ctx: SpecContext, key: string, text: string, offset: number): UdpEndpoint {
  const m = /^(?:\[([^\]]*)\]|([^:]*)):([0-9]+)$/.exec(text)
  const hint = `expected ${key}=HOST:PORT with an IP address or localhost, e.g. 127.0.0.1:5555 or [::1]:5555`
  if (!m) throw ctx.error(offset, `bad ${key} '${text}'`, hint)
  const host = m[1] ?? m[2]
  if (m[1] !== undefined ? !isIPv6(host) : !(isIPv4(host) || host === 'localhost')) throw ctx.error(offset, `bad host '${host}' in ${key}`, hint)
  const port = Number(m[3])
  if (port < 1 || port > 65535) throw ctx.error(offset + text.lastIndexOf(':') + 1, `port ${m[3]} in ${key} is out of range 1..65535`)
  return {host, port}
}

/**
 * xl picks a random MAC in the Xen range 00:16:3e; a fixed one derived from
 * the domain and the vif keeps a recording and its replay on the same address.
 */
export function derivedMac(domain: string, index: number): string {
  const digest = createHash('sha256').update(`${domain}\0${index}`).digest()
  return ['00', '16', '3e', ...[...digest.subarray(0, 3)].map((b, i) => (i === 0 ? b & 0x7f : b).toString(16).padStart(2, '0'))].join(':')
}

function hostPort(e: UdpEndpoint): string {
  return isIPv6(e.host) ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`
}

/** The spec in named form, as `config check` prints it. */
export function formatVifSpec(vif: VifConfig): string {
  const parts = [`mac=${vif.mac}`, `devid=${vif.devid}`]
  if (vif.type) parts.push(`type=${vif.type}`)
  if (vif.udpPeer) parts.push(`ip=${hostPort(vif.udpPeer)}`)
  if (vif.udpLocal) parts.push(`localaddr=${hostPort(vif.udpLocal)}`)
  for (const key of ['ip', 'bridge', 'model', 'vifname', 'script', 'backend', 'rate', 'mtu', 'gatewaydev'] as const) {
    if (vif[key] !== undefined) parts.push(`${key}=${vif[key]}`)
  }
  return parts.join(', ')
}
