import t from 'tap'
import {DiskConfig, formatDiskSpec, parseDiskSpec} from '../../src/lib/config/disk-spec.js'
import {messageOf, specValue} from './spec-helpers.js'

const disk = (spec: string): DiskConfig => parseDiskSpec(specValue(spec), 's.cfg', '/etc/xen')
const plainDisk = {format: 'raw', access: 'rw', readonly: false, devtype: 'disk', directIoSafe: false}

t.test('the equivalent spellings of xl-disk-configuration(5) give the same disk', async (t) => {
  const expected = {...plainDisk, target: '/dev/vg/guest-volume', vdev: 'hda'}
  t.same(disk('/dev/vg/guest-volume,,hda'), expected)
  t.same(disk('/dev/vg/guest-volume,raw,hda,rw'), expected)
  t.same(disk('format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume'), expected)
  t.same(disk('raw:/dev/vg/guest-volume,hda,w'), expected)
})

t.test('the equivalent cdrom spellings give the same read-only cdrom', async (t) => {
  const expected = {...plainDisk, target: '/root/image.iso', vdev: 'hdc', access: 'ro', readonly: true, devtype: 'cdrom'}
  t.same(disk('/root/image.iso,,hdc,cdrom'), expected)
  t.same(disk('/root/image.iso,,hdc,,cdrom'), expected)
  t.same(disk('/root/image.iso,raw,hdc,devtype=cdrom'), expected)
  t.same(disk('format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/root/image.iso'), expected)
  t.same(disk('raw:/root/image.iso,hdc:cdrom,ro'), expected)
  t.same(disk('vdev=hdc, cdrom'), {...plainDisk, vdev: 'hdc', access: 'ro', readonly: true, devtype: 'cdrom'}, 'an empty drive')
})

t.test('named settings, flags, prefixes and a target with commas', async (t) => {
  t.same(disk('phy:/dev/vg/x,xvda,r'), {...plainDisk, target: '/dev/vg/x', vdev: 'xvda', access: 'ro', readonly: true, backendtype: 'phy'})
  t.same(disk('vdev=xvdb, format=qcow2, backendtype=qdisk, backend=stor, discard, direct-io-safe, target=/img/a,b.qcow2'),
    {...plainDisk, target: '/img/a,b.qcow2', vdev: 'xvdb', format: 'qcow2', backendtype: 'qdisk', backend: 'stor', discard: true, directIoSafe: true})
  t.same(disk('vdev=xvdc, script=block-iscsi, target=iqn.2001-05.com.example:disk'),
    {...plainDisk, target: 'iqn.2001-05.com.example:disk', vdev: 'xvdc', script: 'block-iscsi'}, 'a script target stays as written')
  t.same(disk('  images/root.img ,  , sda1 , no-discard '), {...plainDisk, target: '/etc/xen/images/root.img', vdev: 'sda1', discard: false},
    'relative targets resolve against the config directory')
  t.same(disk('vdev=d0p1, target=x.img').vdev, 'd0p1')
})

t.test('the canonical form reads back the same', async (t) => {
  for (const spec of ['/root/image.iso,,hdc,cdrom', 'phy:/dev/vg/x,xvda,r', 'vdev=xvdb, no-discard, direct-io-safe, backend=1, target=/a, b']) {
    const d = disk(spec)
    t.same(disk(formatDiskSpec(d)), d, spec)
  }
})

t.test('errors point at the offending piece of the spec', async (t) => {
  t.equal(messageOf(() => disk('/img/a,,xvda,rw,extra')), "s.cfg:1:22: disk '/img/a,,xvda,rw,extra': unexpected 'extra' after target, format, vdev and access")
  t.equal(messageOf(() => disk('/img/a,vmdk,xvda')), "s.cfg:1:13: disk '/img/a,vmdk,xvda': unknown format 'vmdk'; expected one of raw, qcow, qcow2, vhd, qed")
  t.equal(messageOf(() => disk('/img/a')), "s.cfg:1:6: disk '/img/a': no vdev given; name the guest's device, e.g. 'vdev=xvda'")
  t.equal(messageOf(() => disk('/img/a,,floppy0')), "s.cfg:1:14: disk '/img/a,,floppy0': bad vdev 'floppy0'; expected a name such as xvda, hdc, sda1 or d0p1")
  t.equal(messageOf(() => disk('/img/a,,xvda,rx')), "s.cfg:1:19: disk '/img/a,,xvda,rx': bad access 'rx'; expected 'ro' (or 'r') or 'rw' (or 'w')")
  t.equal(messageOf(() => disk('vdev=xvda, size=3, target=/a')), "s.cfg:1:17: disk 'vdev=xvda, size=3, target=/a': unknown setting 'size'; expected one of target, format, vdev, access, devtype, backend, backendtype, script or a flag (cdrom, discard, no-discard, direct-io-safe)")
  t.equal(messageOf(() => disk('/a,,xvda,vdev=xvdb')), "s.cfg:1:20: disk '/a,,xvda,vdev=xvdb': 'vdev' is given twice")
  t.equal(messageOf(() => disk('vdev=xvda')), "s.cfg:1:6: disk 'vdev=xvda': no target given; name the image or device, e.g. target=disk.img (only a cdrom drive may be empty)")
  t.equal(messageOf(() => disk('/a,,hdc,rw,cdrom')), "s.cfg:1:14: disk '/a,,hdc,rw,cdrom': a cdrom is read-only, access=rw is not possible")
  t.equal(messageOf(() => disk('/a,,hdc:tape')), "s.cfg:1:14: disk '/a,,hdc:tape': expected 'cdrom' or 'disk' after ':' in vdev, found 'tape'")
  t.equal(messageOf(() => disk('/a,,xvda,devtype=floppy')), "s.cfg:1:23: disk '/a,,xvda,devtype=floppy': devtype must be 'cdrom' or 'disk', found 'floppy'")
  t.equal(messageOf(() => disk('/a,,xvda,backendtype=nbd')), "s.cfg:1:27: disk '/a,,xvda,backendtype=nbd': unknown backendtype 'nbd'; expected one of phy, qdisk, tap, standalone")
  t.equal(messageOf(() => disk('/a,,xvda,discard,no-discard')), "s.cfg:1:23: disk '/a,,xvda,discard,no-discard': 'discard' and 'no-discard' contradict each other")
  t.equal(messageOf(() => disk('phy:,xvda')), "s.cfg:1:10: disk 'phy:,xvda': expected a target after 'phy:'")
})
