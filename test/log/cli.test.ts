import t from 'tap'
import {spawnSync} from 'node:child_process'
import {appendFileSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {openEnvelope, sealEnvelope} from '../../src/lib/log/envelope.js'
import {MAGIC} from '../../src/lib/log/layout.js'
import {LogReader} from '../../src/lib/log/reader.js'
import {writeSampleLog} from './fixture.js'

const bin = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

function xl(args: string[], cwd?: string): {status: number | null; stdout: string; stderr: string} {
  return spawnSync(process.execPath, [bin, ...args], {encoding: 'utf8', cwd})
}

t.test('log verify: an intact log exits 0', async (t) => {
  const root = t.testdir()
  writeSampleLog(join(root, 'dom1.reseer'))
  // By domain name, from the directory that holds the log.
  const out = xl(['log', 'verify', 'dom1'], root)
  t.equal(out.status, 0, out.stderr)
  t.match(out.stdout, /^header: OK$/m)
  t.match(out.stdout, /^events\/vcpu-0\.ev: OK \(11 records\)$/m)
  t.match(out.stdout, /^checkpoints\/: 3 files OK$/m)
  t.match(out.stdout, /^intact: all 9 files OK$/m)
  t.equal(out.stderr, '')
  const json = JSON.parse(xl(['log', 'verify', '--json', join(root, 'dom1.reseer')]).stdout)
  t.match(json, {intact: true, checkpoints: 3})
  t.equal(json.files.length, 9)
})

t.test('log verify: a damaged page pack exits 1 naming the file and offset', async (t) => {
  const dir = join(t.testdir(), 'dom1.reseer')
  writeSampleLog(dir)
  const reader = LogReader.open(dir)
  const second = reader.contentLocations()[1]
  reader.close()
  const pack = join(dir, 'pages', 'pack-0000.dat')
  const bytes = readFileSync(pack)
  bytes[second.offset + 50] ^= 0xff
  writeFileSync(pack, bytes)
  appendFileSync(join(dir, 'events', 'vcpu-1.ev'), Buffer.from([40, 0, 0]))
  const out = xl(['log', 'verify', dir])
  t.equal(out.status, 1)
  t.match(out.stdout, new RegExp(`^pages/pack-0000\\.dat: corrupt at offset ${second.offset} \\(\\d+ pages intact\\): page frame checksum mismatch$`, 'm'))
  t.match(out.stdout, /^events\/vcpu-1\.ev: torn tail at offset 220 \(10 records intact\)/m)
  t.match(out.stdout, /^damaged: 2 of 9 files$/m)
  t.equal(out.stderr, `reseer-xl: log ${dir} is damaged\n`)
  const json = JSON.parse(xl(['log', 'verify', '--json', dir]).stdout)
  t.equal(json.intact, false)
  t.match(json.files.find((f: {file: string}) => f.file === 'pages/pack-0000.dat'), {status: 'corrupt', offset: second.offset})
})

t.test('log verify: a damaged manifest makes later checkpoints unusable', async (t) => {
  const dir = join(t.testdir(), 'dom1.reseer')
  writeSampleLog(dir)
  const file = join(dir, 'checkpoints', '000001.ckpt')
  const bytes = readFileSync(file)
  bytes[bytes.length - 10] ^= 1
  writeFileSync(file, bytes)
  const out = xl(['log', 'verify', dir])
  t.equal(out.status, 1)
  t.match(out.stdout, /^log .*: 1 checkpoint usable$/m)
  t.match(out.stdout, /^checkpoints\/000001\.ckpt is corrupt \(checksum mismatch\), so checkpoints from 1 on are unusable$/m)
  t.match(out.stdout, /^checkpoints\/000002\.ckpt: corrupt: unusable: follows damaged checkpoint 1$/m)
})

t.test('log verify and info refuse a log they cannot read with one line', async (t) => {
  const dir = join(t.testdir(), 'dom1.reseer')
  writeSampleLog(dir)
  const {json} = openEnvelope(readFileSync(join(dir, 'header')), MAGIC.header, 'header', 'log header')
  ;(json.features as {mandatory: string[]}).mandatory.push('xyz')
  writeFileSync(join(dir, 'header'), sealEnvelope(MAGIC.header, json))
  for (const verb of ['verify', 'info']) {
    const out = xl(['log', verb, dir])
    t.equal(out.status, 1)
    t.equal(out.stderr, "reseer-xl: log needs feature 'xyz' which this reseer-xl does not know; upgrade reseer-xl\n")
  }
  const missing = xl(['log', 'verify', 'no-such-domain'], t.testdir())
  t.equal(missing.status, 1)
  t.match(missing.stderr, /^reseer-xl: no log for domain no-such-domain: looked for .*no-such-domain\.reseer and \/etc\/xen\/no-such-domain\.reseer; record the domain first, or give the log directory\n$/)
})

t.test('log info --json summarises the log', async (t) => {
  const dir = join(t.testdir(), 'dom1.reseer')
  writeSampleLog(dir)
  const out = xl(['log', 'info', '--json', dir])
  t.equal(out.status, 0, out.stderr)
  const info = JSON.parse(out.stdout)
  t.match(info, {
    backend: 'sim', domain: 'dom1', vcpus: 2, mode: 'reseer', memoryBytes: 64 * 4096,
    checkpoints: 3, intervals: 2, intervalsWithPaths: [0], intervalsWithSummaries: 1, damage: [],
  })
  t.same(info.perVcpu.map((v: {instretFirst: string; instretLast: string; events: object}) => [v.instretFirst, v.instretLast, v.events]),
    [['0', '200', {TimeRead: 11}], ['0', '400', {Interrupt: 10}]])
  // Pages 1, 2 and 3 (stored twice) and one disk block: 4 distinct of 6 non-zero entries.
  t.match(info.disk, {distinctPages: 4, pageReferences: 6, dedupRatio: 1.5})
  t.ok(info.disk.packBytes > 0 && info.disk.compressionRatio > 1)
  const text = xl(['log', 'info', dir])
  t.match(text.stdout, /^domain +dom1 \(backend sim, mode reseer, 2 vCPUs, 256\.0 KiB\)$/m)
  t.match(text.stdout, /^checkpoints +3 \(2 intervals, 1 with summaries, 1 with paths: 0\)$/m)
  t.match(text.stdout, /^vCPU 1 +instret 0\.\.400, 10 events \(Interrupt 10\)$/m)
})
