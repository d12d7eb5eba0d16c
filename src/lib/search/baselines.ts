// The two baselines the benchmark holds the GA against: random search and
// exhaustive enumeration of paths.

import type {Candidate} from './evaluator.js'
import type {Ledger, SearchResult} from './ledger.js'
import {randomPath} from './operators.js'
import {DEFAULT_DECISION, YIELD, type Path} from './path.js'
import {SeededRandom} from './prng.js'

/**
 * Uniformly random decisions, batch after batch. Paths are as long as the most
 * decision points any run reached so far, so they grow with the problem.
 */
export async function randomSearch(ledger: Ledger): Promise<SearchResult> {
  const random = new SeededRandom(ledger.settings.seed)
  let length = 0
  for (;;) {
    const batch: Candidate[] = []
    for (let i = 0; i < ledger.settings.batchSize; i++) batch.push({path: randomPath(length, 0.5, random)})
    const results = await ledger.evaluateUntilStop(batch)
    for (const evaluation of results) length = Math.max(length, evaluation.taken.length)
    ledger.endGeneration('random')
    const stop = ledger.stopReason()
    if (stop) return ledger.result('random', stop)
    if (length === 0) return ledger.result('random', 'exhausted')
  }
}

/**
 * Every distinct run, breadth first. A prefix run with the default decision
 * after its bits takes some path t of d decisions; the runs not yet seen that
 * share the prefix differ from t first at some position j at or after the
 * prefix, where t has the default, so the children of a prefix are t[0..j)
 * followed by the other decision. Bits beyond a run's decision points are
 * never enumerated, and every run is reached exactly once.
 */
export async function exhaustiveSearch(ledger: Ledger): Promise<SearchResult> {
  let queue: Path[] = [new Uint8Array(0)]
  for (;;) {
    const batch = queue.slice(0, ledger.settings.batchSize)
    queue = queue.slice(batch.length)
    // Cut short only when the search stops (by time or a find), so the rest of the batch is not needed again.
    const results = await ledger.evaluateUntilStop(batch.map(path => ({path})))
    results.forEach((evaluation, i) => {
      const taken = evaluation.taken
      for (let j = batch[i].length; j < taken.length; j++) {
        if (taken[j] !== DEFAULT_DECISION) continue
        const child = new Uint8Array(j + 1)
        child.set(taken.subarray(0, j))
        child[j] = YIELD
        queue.push(child)
      }
    })
    ledger.endGeneration('exhaustive')
    const stop = ledger.stopReason()
    if (stop) return ledger.result('exhaustive', stop)
    if (queue.length === 0) return ledger.result('exhaustive', 'exhausted')
  }
}
