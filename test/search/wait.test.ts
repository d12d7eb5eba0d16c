// The wait search (wait-search.ts): a hart's turns made shorter or longer,
// everything after them kept, until the word it ends wrong in is right; on
// race on the simulator: a wait at the start barrier of another length, and
// a hart's last read that came later in the other hart's work.
import t from 'tap'
import {blankProblem, kernel, raceInLoop, secretPath, targetNow} from './race-loop.js'
import {capacityOf, longestTurns, searchWaits, turnsBefore, turnsChanged} from '../../src/lib/search/wait-search.js'
import type {Evaluation} from '../../src/lib/search/evaluator.js'
import {IntervalRunner} from '../../src/lib/search/interval.js'
import {Ledger} from '../../src/lib/search/ledger.js'
import {LocalEvaluator} from '../../src/lib/search/local-evaluator.js'
import {CONTINUE, pathFromString, pathToString, YIELD} from '../../src/lib/search/path.js'
import {readSymbols} from '../../src/lib/replay/symbols.js'
import {PAGE_SHIFT, RAM_BASE} from '../../src/lib/sim/hart-env.js'
import {resolveSettings} from '../../src/lib/search/settings.js'
import {settle} from '../../src/lib/search/settle.js'
import {SimIntervalMachine} from '../../src/lib/search/sim-machine.js'

t.test('a hart\'s turns: its decisions between the yield that gave it the run and its own next yield', async t => {
  // Hand-overs at decisions 3 (hart 0), 5 (hart 1), 12 (hart 0), 13 (hart 1), 20 (hart 0).
  const at = [3, 5, 12, 13, 20]
  const harts = [0, 1, 0, 1, 0]
  t.same(longestTurns(at, harts, 0, 2), [{yieldAt: 12, decisions: 6}, {yieldAt: 20, decisions: 6}], 'longest first, the earlier of equals first')
  t.same(longestTurns(at, harts, 0, 5), [{yieldAt: 12, decisions: 6}, {yieldAt: 20, decisions: 6}, {yieldAt: 3, decisions: 3}])
  t.same(longestTurns(at, harts, 1, 5), [{yieldAt: 5, decisions: 1}], 'a turn with no decision before its yield is left out')
  t.same(turnsBefore(at, harts, 0, 13), [{yieldAt: 12, decisions: 6}, {yieldAt: 3, decisions: 3}], 'before a decision, the latest first')
  t.same(turnsBefore(at, harts, 0, 3), [])
})

t.test('turnsChanged takes decisions out just before the yields, even numbers but the last, or puts continues in', async t => {
  const path = pathFromString('11101110111110')
  const turns = [{yieldAt: 13, decisions: 5}, {yieldAt: 7, decisions: 3}]
  t.equal(capacityOf(turns), 4 + 2, 'even numbers from each of several turns')
  t.equal(capacityOf([turns[1]]), 3, 'all of a turn alone')
  t.equal(pathToString(turnsChanged(path, turns, 3)), '11101110110', 'three from the first turn, which holds them')
  t.equal(pathToString(turnsChanged(path, turns, 5)), '111011100', 'all five from the first, which holds them')
  t.equal(pathToString(turnsChanged(path, turns, 6)), '11101010', 'four from the first (even), the last two from the next: what both hold')
  t.equal(pathToString(turnsChanged(path, turns, -2)), '1110111011111110', 'put in before the first turn\'s yield')
  t.equal(pathToString(turnsChanged(path, [turns[1]], 0)), pathToString(path))
})

/** Race's shared page: the counter and the barriers. */
const shared = new Set(['counter', 'start', 'done'].map(name => (readSymbols(kernel).get(name)!.address - RAM_BASE) >>> PAGE_SHIFT))

/** A runner of the interval from `start` with the end of `path`'s run as its target, and that run's hand-overs. */
function intervalOf(sim: SimIntervalMachine, start: ReturnType<SimIntervalMachine['save']>, budget: number, path: Uint8Array) {
  sim.restore(start)
  const blank = blankProblem(budget, shared)
  const recording = new IntervalRunner(sim, blank, {cacheBytes: 0}).run({path, handovers: true})
  const target = targetNow(sim)
  sim.restore(start)
  return {runner: new IntervalRunner(sim, {...blank, target}), recording}
}

/**
 * race before its start barrier (m=2000): hart 1 waits there (in its boot
 * code's wait first), hart 0 has printed its first line and is on its way.
 */
function raceAtStart() {
  const sim = new SimIntervalMachine({vcpus: 2, memoryMiB: 4, kernel, cmdline: 'm=2000', disks: [], vifs: []})
  sim.machine.runHart(1, {budget: 20_000})
  const text = () => new TextDecoder().decode(sim.machine.console)
  for (let step = 0; step < 100_000 && !text().includes('expected=4000\n'); step++) sim.machine.runHart(0, {budget: 10})
  sim.beginInterval()
  return {sim, start: sim.save()}
}

/** Runs `miss` through the wait search alone and through settle(), each on a fresh ledger: whether each found the target, and the wait search's found run. */
async function searchedFrom(runner: IntervalRunner<unknown>, miss: Evaluation) {
  const alone = new Ledger(new LocalEvaluator(runner), resolveSettings({seed: 1}))
  const {tried} = await searchWaits(alone, miss, 32)
  const settled = new Ledger(new LocalEvaluator(runner), resolveSettings({seed: 1}))
  await settle(settled, miss)
  return {alone: alone.found, runs: tried.length, found: tried.find(run => run.evaluation.found)?.evaluation, settled: settled.found}
}

t.test('a wait of another length: hart 1 spun longer before the start and its loop ends short', async t => {
  const {sim, start} = raceAtStart()
  // The recording: hart 0 yields at its first access to the shared page, hart 1 waits 400 turns, then the harts count
  // by a secret schedule, and past its end each runs on to its budget. The miss: hart 1 waited 650 turns.
  const scheduleOf = (seed: number) => (turns: number) => Uint8Array.from([YIELD, ...new Array<number>(turns).fill(CONTINUE), YIELD, ...secretPath(seed, 1500)])
  for (const seed of [1, 2, 3, 4]) {
    const schedule = scheduleOf(seed)
    const {runner} = intervalOf(sim, start, 6000, schedule(400))
    const miss = runner.evaluate({path: schedule(650)})
    t.equal(miss.found, false)
    t.ok((miss.hartDeltas?.[1] ?? 0) < 0 || (miss.hartDeltas?.[0] ?? 0) < 0, `seed ${seed}: a hart ends short: ${miss.firstDifference}`)
    const {alone, runs, found, settled} = await searchedFrom(runner, miss)
    t.ok(alone, `seed ${seed}: the wait search finds it, in ${runs} runs`)
    t.ok(runs <= 32, 'within its runs')
    if (found) t.equal(runner.evaluate({path: found.taken}).fitness, 1, 'the found path replays to the target')
    t.ok(settled, `seed ${seed}: settle() finds it`)
  }
  // A miss it would search (a hart's word off), given no runs.
  const schedule = scheduleOf(1)
  const {runner} = intervalOf(sim, start, 6000, schedule(400))
  const miss = runner.evaluate({path: schedule(650)})
  t.ok(miss.hartDelta, 'the miss has a hart off')
  const ledger = new Ledger(new LocalEvaluator(runner), resolveSettings({seed: 1}))
  t.same((await searchWaits(ledger, miss, 0)).tried, [], 'no runs when given none')
})

t.test('a last read later in the other\'s work: hart 0 did 40 more accesses before hart 1 last yielded', async t => {
  const sim = raceInLoop()
  const start = sim.save()
  let alone = 0
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const {runner, recording} = intervalOf(sim, start, 3000, secretPath(seed, 1500))
    const {at, hart} = recording.handovers!
    let last = -1
    for (let i = 0; i < at.length; i++) if (hart[i] === 1) last = at[i]
    const [turn] = turnsBefore(at, hart, 0, last)
    const miss = runner.evaluate({path: turnsChanged(recording.taken, [turn], -40)})
    t.equal(miss.found, false)
    t.ok(miss.hartDelta, `seed ${seed}: a hart ends elsewhere: ${miss.firstDifference}`)
    const found = await searchedFrom(runner, miss)
    if (found.alone) alone++
    if (found.found) t.equal(runner.evaluate({path: found.found.taken}).fitness, 1, 'the found path replays to the target')
    t.ok(found.settled, `seed ${seed}: settle() finds it`)
  }
  t.ok(alone >= 4, `the wait search alone finds ${alone} of 6`)
})
