// The spin search (spin-search.ts): a hart a few instructions off in its loop
// because it spun other numbers of turns in its waits, found by trading turns
// between the waits; on race on the simulator from the boot: hart 1 waits for
// the release (2 instructions a turn), then at the start barrier (3 a turn).
import t from 'tap'
import {blankProblem, kernel, secretPath, targetNow} from './race-loop.js'
import {fewOff, searchSpins, spinWaits, trades, withTrade} from '../../src/lib/search/spin-search.js'
import type {Handovers} from '../../src/lib/search/evaluator.js'
import {IntervalRunner} from '../../src/lib/search/interval.js'
import {Ledger} from '../../src/lib/search/ledger.js'
import {LocalEvaluator} from '../../src/lib/search/local-evaluator.js'
import {pathFromString, pathToString} from '../../src/lib/search/path.js'
import {readSymbols} from '../../src/lib/replay/symbols.js'
import {PAGE_SHIFT, RAM_BASE} from '../../src/lib/sim/hart-env.js'
import {resolveSettings} from '../../src/lib/search/settings.js'
import {settle} from '../../src/lib/search/settle.js'
import {SimIntervalMachine} from '../../src/lib/search/sim-machine.js'

/** Hand-overs of a made-up run: [decision, hart, pc, retired] per yield, each to the other of two harts. */
function handoversOf(yields: Array<[number, number, number, number]>): Handovers {
  return {
    at: Uint32Array.from(yields.map(y => y[0])),
    hart: Uint8Array.from(yields.map(y => y[1])),
    next: Uint8Array.from(yields.map(y => 1 - y[1])),
    held: new Uint8Array(yields.length),
    nextHeld: new Uint8Array(yields.length),
    pc: Uint32Array.from(yields.map(y => y[2])),
    retired: Uint32Array.from(yields.map(y => y[3])),
  }
}

t.test('a hart\'s spin waits: its yields at one pc, whole turns of one length apart', async t => {
  const handovers = handoversOf([
    [0, 0, 0x500, 7], // hart 0 yields at its first decision
    [1, 1, 0x100, 4], // hart 1 comes to its first wait
    [3, 0, 0x500, 20],
    [4, 1, 0x100, 6], // one turn of 2, none held before the yield, right after hart 0's: bare
    [6, 0, 0x500, 30],
    [9, 1, 0x100, 12], // two continues: three turns of 2
    [12, 0, 0x500, 40],
    [13, 1, 0x200, 40], // on to its second wait
    [15, 0, 0x500, 50],
    [17, 1, 0x200, 46], // one continue: two turns of 3
    [19, 0, 0x500, 60],
    [20, 1, 0x200, 49], // bare
    [22, 0, 0x600, 70],
    [23, 1, 0x300, 60],
    [25, 0, 0x600, 80],
    [26, 1, 0x300, 65], // a loop at 0x300: 5, then 7 with a continue (not two turns of one length)
    [28, 0, 0x600, 93],
    [30, 1, 0x300, 72],
  ])
  const waits = spinWaits(handovers, 1)
  t.same(waits, [
    {pc: 0x100, length: 2, turns: [{yieldAt: 4, continues: 0}, {yieldAt: 9, continues: 2}], bare: [3], spun: 4},
    {pc: 0x200, length: 3, turns: [{yieldAt: 17, continues: 1}, {yieldAt: 20, continues: 0}], bare: [11], spun: 3},
  ], 'the waits at 0x100 and 0x200; the loop at 0x300 is none')
  t.same(spinWaits(handovers, 0).map(w => w.pc), [], 'hart 0\'s yields at 0x500 are a different number of instructions apart')
  t.same(spinWaits({...handovers, pc: new Uint32Array(handovers.at.length)}, 1), [], 'no waits where the machine gives no pc')

  // The run's path: its yields where the hand-overs are, continues between.
  const path = Uint8Array.from({length: 31}, (_, i) => (handovers.at.includes(i) ? 0 : 1))
  t.same(withTrade(path, handovers, waits, [2, -1]), withTradeByHand(path, [9, 9], [16]), 'two turns into the first wait before its longest turn\'s yield, one out of the second\'s continues')
  t.same(withTrade(path, handovers, waits, [0, -2]), withTradeByHand(path, [], [16, 20], [19]), 'beyond its continues, the bare turn: it goes, and hart 0\'s yield before it becomes a continue')
  t.equal(withTrade(path, handovers, waits, [0, -3]), undefined, 'the second wait has two turns to give, not three')
})

/** `path` with continues put in before each index of `before` (in its own numbering), the decisions at `drop` taken out and those at `toContinue` made continues. */
function withTradeByHand(path: Uint8Array, before: number[], drop: number[], toContinue: number[] = []): Uint8Array {
  const out: number[] = []
  path.forEach((bit, i) => {
    for (const at of before) if (at === i) out.push(1)
    if (!drop.includes(i)) out.push(toContinue.includes(i) ? 1 : bit)
  })
  return Uint8Array.from(out)
}

t.test('trades: the smallest change of the hart\'s spun instructions first, each way, the fewest turns first', async t => {
  t.same(trades([2, 3]).slice(0, 8), [[-1, 1], [2, -1], [1, -1], [-2, 1], [1, 0], [-2, 2], [-1, 0], [2, -2]])
  t.same(trades([3]), [[1], [-1], [2], [-2]], 'one wait: its turns alone')
  t.ok(trades([2, 4]).every(trade => trade[0] * 2 + trade[1] * 4 !== 0), 'none that leaves the count as it was')
  t.same(trades([]), [])
})

t.test('the harts a few instructions off: the pc the first word that differs, near the target\'s, every other hart right', async t => {
  t.same(fewOff({hartDeltas: [0, 4], hartPcOff: [false, true]}), [1])
  t.same(fewOff({hartDeltas: [-8, 4], hartPcOff: [true, true]}), [0, 1], 'both')
  t.same(fewOff({hartDeltas: [0, 0x400], hartPcOff: [false, true]}), [], 'the pc elsewhere in the code: not a few instructions')
  t.same(fewOff({hartDeltas: [-983, 4], hartPcOff: [false, true]}), [], 'another hart further off: no trade of hart 1\'s turns mends hart 0')
  t.same(fewOff({hartDeltas: [0, 4], hartPcOff: [false, false]}), [], 'a register off by 4 is not the pc')
  t.same(fewOff({hartDeltas: [0, 4]}), [], 'a machine that does not say where its pc is')
})

/** Race's shared page: the counter, the barriers and the boot's release flag. */
const shared = new Set(['counter', 'start', 'done'].map(name => (readSymbols(kernel).get(name)!.address - RAM_BASE) >>> PAGE_SHIFT))

t.test('a hart a turn of each wait off: one turn more at the barrier and one fewer at the boot, or the reverse', async t => {
  // race from the boot: hart 1 has run into its wait for the release; hart 0 has not run. The recording: a secret
  // schedule for 40 000 instructions each, through hart 0's boot and first line into the counting loop, hart 1 waiting
  // in both its waits. The miss: hart 1 spun a turn more in one wait and a turn fewer in the other, so it ends an
  // instruction off in its loop, and may have read or written the counter at another moment.
  const sim = new SimIntervalMachine({vcpus: 2, memoryMiB: 4, kernel, cmdline: 'm=100000', disks: [], vifs: []})
  sim.machine.runHart(1, {budget: 20})
  sim.beginInterval()
  const start = sim.save()
  const blank = blankProblem(40_000, shared)
  for (const seed of [2, 3, 4, 5]) {
    sim.restore(start)
    const recording = new IntervalRunner(sim, blank, {cacheBytes: 0}).run({path: secretPath(seed, 200_000), handovers: true})
    const target = targetNow(sim)
    sim.restore(start)
    const runner = new IntervalRunner(sim, {...blank, target})
    const waits = spinWaits(recording.handovers!, 1).sort((a, b) => a.pc - b.pc)
    t.same(waits.map(w => w.length), [2, 3], `seed ${seed}: hart 1 spun at the release (2 a turn) and at the barrier (3)`)
    const miss = runner.evaluate({path: withTrade(recording.taken, recording.handovers!, waits, seed % 2 === 0 ? [1, -1] : [-1, 1])!})
    t.equal(miss.found, false)
    t.match(miss.firstDifference, /^hart 1: pc /, `seed ${seed}: hart 1 ends elsewhere in its loop: ${miss.firstDifference}`)
    const alone = new Ledger(new LocalEvaluator(runner), resolveSettings({seed: 1}))
    const {tried} = await searchSpins(alone, miss, 16)
    const found = tried.find(run => run.evaluation.found)
    t.ok(found, `seed ${seed}: the spin search finds it, in ${tried.length} runs`)
    if (found) t.equal(runner.evaluate({path: found.evaluation.taken}).fitness, 1, 'the found path replays to the target')
    const settled = new Ledger(new LocalEvaluator(runner), resolveSettings({seed: 1}))
    await settle(settled, miss)
    t.ok(settled.found, `seed ${seed}: settle() finds it`)
    const without = new Ledger(new LocalEvaluator(runner), resolveSettings({seed: 1, ga: {spinSteps: 0}}))
    await settle(without, miss)
    t.notOk(without.found, `seed ${seed}: without the spin search settle() does not`)
    t.same((await searchSpins(new Ledger(new LocalEvaluator(runner), resolveSettings({seed: 1})), miss, 0)).tried, [], 'no runs when given none')
  }
})
