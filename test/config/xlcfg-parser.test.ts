import t from 'tap'
import {errorLine} from '../../src/lib/cli/errors.js'
import {CfgValue, effectiveSettings, parseXlCfg, positionInString} from '../../src/lib/config/xlcfg-parser.js'

/** The values of a document as plain JS, for compact assertions. */
function plain(v: CfgValue): unknown {
  return v.kind === 'list' ? v.items.map(plain) : v.value
}

function values(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, s] of effectiveSettings(parseXlCfg(text, 'dom.cfg'))) out[key] = plain(s.value)
  return out
}

function errorOf(text: string, file = 'dom1.cfg'): string {
  try {
    parseXlCfg(text, file)
  } catch (error) {
    return errorLine(error).replace(/^reseer-xl: /, '')
  }
  throw new Error('expected a parse error')
}

t.test('a PV guest in the shape of the xl.cfg(5) examples', async (t) => {
  const text = `# =====================================================================
# Example PV Linux guest configuration
# =====================================================================
name = "linux-pv"
type = "pv"
kernel = "/boot/vmlinuz"
ramdisk = "/boot/initrd.gz"
extra = "root=/dev/xvda1 console=hvc0"
memory = 128
vcpus = 2
vif = [ '' ]
disk = [ '/dev/vg/guest-volume,raw,xvda,rw' ]
`
  t.same(values(text), {
    name: 'linux-pv', type: 'pv', kernel: '/boot/vmlinuz', ramdisk: '/boot/initrd.gz',
    extra: 'root=/dev/xvda1 console=hvc0', memory: 128, vcpus: 2, vif: [''], disk: ['/dev/vg/guest-volume,raw,xvda,rw'],
  })
  const doc = parseXlCfg(text, 'linux-pv.cfg')
  t.equal(doc.settings.length, 9)
  t.match(doc.settings[0], {key: 'name', line: 4, column: 1, value: {line: 4, column: 8}})
})

t.test('an HVM guest with lists over several lines, comments and trailing commas', async (t) => {
  const text = `builder = "hvm"
name = "win7"   # comment after a value
memory = 0x800 ; vcpus = 4;maxvcpus = 010
disk = [
    'format=raw, vdev=hda, access=rw, target=/dev/vg/win7',  # the system disk
    # a comment between items
    '/root/win7.iso,,hdc,cdrom',
]
vif = [ "type=ioemu, model=e1000, bridge=xenbr0", ]
usb = [ [1, 2], [ ], ]
`
  t.same(values(text), {
    builder: 'hvm', name: 'win7', memory: 2048, vcpus: 4, maxvcpus: 8,
    disk: ['format=raw, vdev=hda, access=rw, target=/dev/vg/win7', '/root/win7.iso,,hdc,cdrom'],
    vif: ['type=ioemu, model=e1000, bridge=xenbr0'],
    usb: [[1, 2], []],
  })
})

t.test('numbers: decimal, hex, octal as strtol reads them, negative', async (t) => {
  t.same(values('a = 0\nb = 42\nc = 0x1F\nd = 0777\ne = -3\nf = -0x10\n'), {a: 0, b: 42, c: 31, d: 511, e: -3, f: -16})
})

t.test('strings: both quotes and C escapes', async (t) => {
  const v = values(String.raw`a = "tab\there"
b = 'it\'s'
c = "say \"hi\" \\ done"
d = "\x41\102\0end"
e = "\n\r\a\b\f\v"
f = 'single "double" inside'
`)
  t.same(v, {a: 'tab\there', b: "it's", c: 'say "hi" \\ done', d: 'AB\0end', e: '\n\r\x07\b\f\v', f: 'single "double" inside'})
})

t.test('string characters keep their columns past escapes', async (t) => {
  const doc = parseXlCfg(String.raw`disk = [ 'a\x41,bad' ]`, 'd.cfg')
  const list = doc.settings[0].value
  if (list.kind !== 'list' || list.items[0].kind !== 'string') throw new Error('shape')
  const s = list.items[0]
  t.equal(s.value, 'aA,bad')
  // 'b' is the 4th character; in the line it is at column 17.
  t.same(positionInString(s, 3), {line: 1, column: 17})
})

t.test('later settings win and += appends, as in xl', async (t) => {
  t.same(values('memory = 64\nmemory = 128\n'), {memory: 128})
  t.same(values("disk = [ 'a' ]\ndisk += [ 'b' ]\nextra = \"x\"\nextra += \" y\"\n"), {disk: ['a', 'b'], extra: 'x y'})
  t.throws(() => parseAndMerge('memory = 1\nmemory += [ 2 ]\n'), {message: 'm.cfg:2:11: cannot append a list to the number 1 set at 1:10'})
})

function parseAndMerge(text: string): unknown {
  return effectiveSettings(parseXlCfg(text, 'm.cfg'))
}

t.test('empty files, blank lines and lone semicolons are fine', async (t) => {
  t.same(parseXlCfg('', 'e.cfg').settings, [])
  t.same(values('\n\n  ;; # nothing\r\nname = "x";\n'), {name: 'x'})
  t.same(values('\ufeffname = "bom"'), {name: 'bom'})
})

t.test('malformed input: each error names file, line, column and what was expected', async (t) => {
  t.equal(errorOf('name = "dom1"\nkernel = "/boot/vmlinuz\n'),
    'dom1.cfg:2:10: unterminated string, expected a closing " before the end of the line')
  t.equal(errorOf("name = 'dom1"), "dom1.cfg:1:8: unterminated string, expected a closing ' before the end of the file")
  t.equal(errorOf('name = "dom1"\nmemory 128\n'), "dom1.cfg:2:8: expected '=' after 'memory', found '128'")
  t.equal(errorOf('vcpus\n'), "dom1.cfg:1:6: expected '=' after 'vcpus', found the end of the line")
  t.equal(errorOf("name = \"d\"\ndisk = [ 'a',\n  'b'\n"), "dom1.cfg:2:8: unclosed list, expected ']' before the end of the file")
  t.equal(errorOf("disk = [ 'a' 'b' ]"), "dom1.cfg:1:14: expected ',' or ']' in the list opened at 1:8, found '''")
  t.equal(errorOf('memory = 12abc'), "dom1.cfg:1:10: bad number '12abc', expected a decimal, 0x hexadecimal or 0 octal integer")
  t.equal(errorOf('memory = 09'), "dom1.cfg:1:10: bad number '09', expected a decimal, 0x hexadecimal or 0 octal integer")
  t.equal(errorOf('memory = 0x'), "dom1.cfg:1:10: bad number '0x', expected a decimal, 0x hexadecimal or 0 octal integer")
  t.equal(errorOf('memory = 1.5'), "dom1.cfg:1:10: bad number '1.5', expected a decimal, 0x hexadecimal or 0 octal integer")
  t.equal(errorOf('vcpus = 2 3'), "dom1.cfg:1:11: expected ';' or the end of the line after the value, found '3'")
  t.equal(errorOf('name = "a" "b"'), "dom1.cfg:1:12: expected ';' or the end of the line after the value, found '\"'")
  t.equal(errorOf('extra = "a\\qb"'), String.raw`dom1.cfg:1:11: bad escape '\q' in string, expected one of \n \t \r \\ \' \" \xHH or an octal \ooo`)
  t.equal(errorOf('extra = "\\x4"'), String.raw`dom1.cfg:1:10: bad escape '\x4', expected \x and two hexadecimal digits`)
  t.equal(errorOf('extra = "\\400"'), String.raw`dom1.cfg:1:10: bad escape '\400', octal escapes go up to \377`)
  t.equal(errorOf('name = "x"\n\ndisk = [ ]]\n'), "dom1.cfg:3:11: expected ';' or the end of the line after the value, found ']'")
  t.equal(errorOf('name = "x"\ndisk = [ , ]\n'), "dom1.cfg:2:10: expected a value (number, string or list), found ','")
  t.equal(errorOf('a = [ 1,\n  ]\nb = ]'), "dom1.cfg:3:5: expected a value (number, string or list), found ']'")
  t.equal(errorOf('name = \n'), 'dom1.cfg:1:8: expected a value (number, string or list), found the end of the line')
  t.equal(errorOf('type = hvm'), "dom1.cfg:1:8: expected a value (number, string or list), found 'hvm'; put strings in quotes")
  t.equal(errorOf('2name = "x"'), "dom1.cfg:1:1: expected a key (a name such as 'memory'), found '2name'")
  t.equal(errorOf('= 3'), "dom1.cfg:1:1: expected a key (a name such as 'memory'), found '='")
  t.equal(errorOf('name = "x"\x00'), "dom1.cfg:1:11: expected ';' or the end of the line after the value, found '\\x00'")
})

t.test('errors are ReseerErrors with the ECONFIG code', async (t) => {
  t.throws(() => parseXlCfg('x = ', 'a.cfg'), {name: 'ReseerError', code: 'ECONFIG'})
})
