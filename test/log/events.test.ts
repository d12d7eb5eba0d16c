import t from 'tap'
import fc from 'fast-check'
import {CrewRights, EventKind, decodeEvent, encodeCrewTransfer, encodeDeviceRead, encodeDmaWrite, encodeHalt, encodeInterrupt, encodeTimeRead, eventKindName} from '../../src/lib/log/events.js'

const u64 = fc.bigInt({min: 0n, max: (1n << 64n) - 1n})
const u32 = fc.integer({min: 0, max: 0xffffffff})

t.test('every kind of payload decodes to what was encoded', async (t) => {
  fc.assert(fc.property(u64, (v) => {
    const e = decodeEvent(EventKind.TimeRead, encodeTimeRead(v))
    return e.kind === EventKind.TimeRead && 'value' in e && e.value === v
  }))
  fc.assert(fc.property(u32, (c) => JSON.stringify(decodeEvent(EventKind.Interrupt, encodeInterrupt(c))) === JSON.stringify({kind: 2, cause: c})))
  fc.assert(fc.property(u64, fc.constantFrom(1, 2, 4, 8), u64, (a, s, v) => {
    const e = decodeEvent(EventKind.DeviceRead, encodeDeviceRead(a, s, v))
    return 'address' in e && 'size' in e && e.address === a && e.size === s && e.value === v
  }))
  fc.assert(fc.property(u64, fc.uint8Array({maxLength: 300}), (a, data) => {
    const e = decodeEvent(EventKind.DmaWrite, encodeDmaWrite(a, data))
    return 'data' in e && e.address === a && Buffer.from(e.data).equals(Buffer.from(data))
  }))
  fc.assert(fc.property(u32, fc.integer({min: 0, max: 0xffff}), fc.integer({min: 0, max: 0xffff}), fc.constantFrom(CrewRights.None, CrewRights.Read, CrewRights.ReadWrite), fc.array(u64, {maxLength: 16}),
    (page, from, to, rights, instrets) => {
      const e = decodeEvent(EventKind.CrewTransfer, encodeCrewTransfer(page, from, to, rights, instrets))
      return 'instrets' in e && e.page === page && e.fromHart === from && e.toHart === to && e.rights === rights &&
        e.instrets.length === instrets.length && e.instrets.every((n, i) => n === instrets[i])
    }))
  t.same(decodeEvent(EventKind.Halt, encodeHalt('reboot', 3)), {kind: EventKind.Halt, reason: 'reboot', code: 3})
  t.same(decodeEvent(EventKind.Halt, encodeHalt('poweroff')), {kind: EventKind.Halt, reason: 'poweroff', code: 0})
})

t.test('unknown kinds come back raw; wrong lengths are refused', async (t) => {
  t.same(decodeEvent(999, Buffer.from([1, 2])), {kind: 999, unknown: true, payload: Buffer.from([1, 2])})
  t.equal(eventKindName(999), 'kind-999')
  t.equal(eventKindName(EventKind.DmaWrite), 'DmaWrite')
  t.throws(() => decodeEvent(EventKind.TimeRead, new Uint8Array(7)), {message: 'TimeRead event payload has 7 bytes, expected 8'})
  t.throws(() => decodeEvent(EventKind.CrewTransfer, encodeCrewTransfer(1, 0, 1, CrewRights.Read, [1n]).subarray(0, 16)), {message: /CrewTransfer event payload has 16 bytes, expected 20/})
})
