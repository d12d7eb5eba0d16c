import t from 'tap'
import {Backend, VifConfig, derivedMac, formatVifSpec, parseVifSpec} from '../../src/lib/config/vif-spec.js'
import {messageOf, specValue} from './spec-helpers.js'

const vif = (spec: string, backend: Backend = 'xen', index = 0): VifConfig => parseVifSpec(specValue(spec), 's.cfg', index, 'dom1', backend)

t.test('xl-network-configuration(5) settings for a Xen domain', async (t) => {
  t.same(vif('mac=00:16:3E:74:3d:76, bridge=xenbr0, ip=192.0.2.7 2001:db8::7, type=ioemu, model=e1000, vifname=dom1.0, script=vif-bridge, backend=netdom, rate=10Mb/s@20ms, mtu=9000, gatewaydev=eth0, devid=3'), {
    mac: '00:16:3e:74:3d:76', devid: 3, bridge: 'xenbr0', ip: '192.0.2.7 2001:db8::7', type: 'ioemu', model: 'e1000',
    vifname: 'dom1.0', script: 'vif-bridge', backend: 'netdom', rate: '10Mb/s@20ms', mtu: 9000, gatewaydev: 'eth0',
  })
  t.same(vif(''), {mac: derivedMac('dom1', 0), devid: 0}, "an empty spec is xl's default NIC")
  t.same(vif('bridge=xenbr1,', 'xen', 2), {mac: derivedMac('dom1', 2), devid: 2, bridge: 'xenbr1'})
})

t.test('a missing mac is derived from the domain and the index, in the Xen range', async (t) => {
  const mac = derivedMac('dom1', 0)
  t.match(mac, /^00:16:3e:[0-7][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}$/)
  t.equal(derivedMac('dom1', 0), mac, 'the same every time')
  t.not(derivedMac('dom1', 1), mac)
  t.not(derivedMac('dom2', 0), mac)
})

t.test('a sim vif is a UDP wire with a peer and a local address', async (t) => {
  t.same(vif('type=udp, ip=127.0.0.1:5555, localaddr=localhost:5556', 'sim'), {
    mac: derivedMac('dom1', 0), devid: 0, type: 'udp', udpPeer: {host: '127.0.0.1', port: 5555}, udpLocal: {host: 'localhost', port: 5556},
  })
  t.same(vif('model=virtio-net, ip=[::1]:7000, localaddr=[::1]:7001', 'sim').udpPeer, {host: '::1', port: 7000}, 'type=udp may be left out')
})

t.test('the written form reads back the same', async (t) => {
  for (const [spec, backend] of [['ip=[::1]:7000, localaddr=127.0.0.1:7001, mtu=1400', 'sim'], ['bridge=xenbr0, ip=10.0.0.2, rate=1GB/s', 'xen']] as const) {
    const v = vif(spec, backend)
    t.same(vif(formatVifSpec(v), backend), v, spec)
  }
})

t.test('errors point at the offending setting', async (t) => {
  t.equal(messageOf(() => vif('bridge=xenbr0, eth0')), "s.cfg:1:21: vif 'bridge=xenbr0, eth0': expected KEY=VALUE, found 'eth0'")
  t.equal(messageOf(() => vif('colour=red')), "s.cfg:1:6: vif 'colour=red': unknown setting 'colour'; expected one of mac, bridge, ip, type, model, vifname, script, backend, rate, mtu, gatewaydev, devid, localaddr")
  t.equal(messageOf(() => vif('mac=00:16:3e:zz:00:01')), "s.cfg:1:10: vif 'mac=00:16:3e:zz:00:01': bad mac '00:16:3e:zz:00:01'; expected six hexadecimal octets such as 00:16:3e:12:34:56")
  t.equal(messageOf(() => vif('mac=01:00:5e:00:00:01')), "s.cfg:1:10: vif 'mac=01:00:5e:00:00:01': mac '01:00:5e:00:00:01' is a multicast address; a NIC needs a unicast address (an even first octet)")
  t.equal(messageOf(() => vif('ip=10.0.0.1 10.0.0.300')), "s.cfg:1:18: vif 'ip=10.0.0.1 10.0.0.300': bad ip address '10.0.0.300'")
  t.equal(messageOf(() => vif('mtu=20')), "s.cfg:1:10: vif 'mtu=20': mtu 20 is out of range 68..65535")
  t.equal(messageOf(() => vif('mtu=big')), "s.cfg:1:10: vif 'mtu=big': mtu must be a number, found 'big'")
  t.equal(messageOf(() => vif('rate=fast')), "s.cfg:1:11: vif 'rate=fast': bad rate 'fast'; expected RATE/s[@INTERVAL] such as 10Mb/s or 1GB/s@20ms")
  t.equal(messageOf(() => vif('type=tap')), "s.cfg:1:11: vif 'type=tap': type must be 'ioemu' or 'vif', found 'tap'")
  t.equal(messageOf(() => vif('mac=00:16:3e:00:00:01, mac=00:16:3e:00:00:02')), "s.cfg:1:29: vif 'mac=00:16:3e:00:00:01, mac=00:16:3e:00:00:02': 'mac' is given twice")
})

t.test('the UDP wire belongs to the sim backend and the sim needs both addresses', async (t) => {
  t.equal(messageOf(() => vif('bridge=xenbr0, type=udp')), "s.cfg:1:26: vif 'bridge=xenbr0, type=udp': type=udp is only for the sim backend; use bridge= to connect a Xen domain")
  t.equal(messageOf(() => vif('localaddr=127.0.0.1:1')), "s.cfg:1:16: vif 'localaddr=127.0.0.1:1': localaddr= is only for the sim backend; use bridge= to connect a Xen domain")
  t.equal(messageOf(() => vif('type=ioemu, ip=127.0.0.1:1, localaddr=127.0.0.1:2', 'sim')), "s.cfg:1:11: vif 'type=ioemu, ip=127.0.0.1:1, localaddr=127.0.0.1:2': the sim backend has only type=udp vifs, not 'ioemu'")
  t.equal(messageOf(() => vif('', 'sim')), "s.cfg:1:6: vif '': a sim vif needs ip=HOST:PORT (the peer) and localaddr=HOST:PORT (where the domain receives); e.g. 'type=udp, ip=127.0.0.1:5555, localaddr=127.0.0.1:5556'")
  t.equal(messageOf(() => vif('type=udp, ip=127.0.0.1:5555', 'sim')), "s.cfg:1:6: vif 'type=udp, ip=127.0.0.1:5555': a sim vif needs localaddr=HOST:PORT (where the domain receives); e.g. 'type=udp, ip=127.0.0.1:5555, localaddr=127.0.0.1:5556'")
  t.equal(messageOf(() => vif('ip=127.0.0.1, localaddr=127.0.0.1:1', 'sim')), "s.cfg:1:9: vif 'ip=127.0.0.1, localaddr=127.0.0.1:1': bad ip '127.0.0.1'; expected ip=HOST:PORT with an IP address or localhost, e.g. 127.0.0.1:5555 or [::1]:5555")
  t.equal(messageOf(() => vif('ip=example.org:1, localaddr=127.0.0.1:1', 'sim')), "s.cfg:1:9: vif 'ip=example.org:1, localaddr=127.0.0.1:1': bad host 'example.org' in ip; expected ip=HOST:PORT with an IP address or localhost, e.g. 127.0.0.1:5555 or [::1]:5555")
  t.equal(messageOf(() => vif('ip=127.0.0.1:1, localaddr=127.0.0.1:70000', 'sim')), "s.cfg:1:42: vif 'ip=127.0.0.1:1, localaddr=127.0.0.1:70000': port 70000 in localaddr is out of range 1..65535")
  t.equal(messageOf(() => vif('model=e1000, ip=127.0.0.1:1, localaddr=127.0.0.1:2', 'sim')), "s.cfg:1:12: vif 'model=e1000, ip=127.0.0.1:1, localaddr=127.0.0.1:2': the sim backend has only the virtio-net model, not 'e1000'")
})
