// The sim machine's view of a domain config: the xl.cfg model mapped onto
// what the embedded board has (harts, RAM, a kernel ELF, bootargs, virtio
// disks and UDP-backed NICs). Refuses what the board cannot do, by name.
import {ReseerError} from '../../cli/errors.js'
import type {DomainConfig} from '../../config/domain-config.js'
import type {MachineOptions} from '../../sim/machine.js'

export function machineOptionsFor(config: DomainConfig): MachineOptions {
  if (!config.kernel) {
    throw new ReseerError(`${config.configFile}: no kernel: the sim backend boots a RISC-V ELF given by 'kernel ='`, {code: 'ECONFIG'})
  }
  const vifs = config.vifs.map((vif, i) => {
    if (!vif.udpPeer) {
      throw new ReseerError(`${config.configFile}: vif ${i} has no UDP peer: on the sim backend write 'type=udp, ip=HOST:PORT[, localaddr=HOST:PORT]'`, {code: 'ECONFIG'})
    }
    return {
      peer: `${vif.udpPeer.host}:${vif.udpPeer.port}`,
      ...(vif.udpLocal ? {local: `${vif.udpLocal.host}:${vif.udpLocal.port}`} : {}),
    }
  })
  const disks = config.disks.map((disk) => {
    if (!disk.target) throw new ReseerError(`${config.configFile}: disk ${disk.vdev} has no target; the sim backend needs a raw image file`, {code: 'ECONFIG'})
    if (disk.format !== 'raw') throw new ReseerError(`${config.configFile}: disk ${disk.vdev} is ${disk.format}; the sim backend reads raw images only`, {code: 'ECONFIG'})
    return {path: disk.target, readonly: disk.readonly}
  })
  return {vcpus: config.vcpus, memoryMiB: config.memoryMiB, kernel: config.kernel, cmdline: config.cmdline ?? '', disks, vifs}
}
