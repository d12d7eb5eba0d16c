// The entry point of a search over one interval: pick the strategy the
// settings name and run it against an evaluator.

import type {Evaluator} from './evaluator.js'
import {exhaustiveSearch, randomSearch} from './baselines.js'
import {geneticSearch} from './ga.js'
import {Ledger, type ProgressListener, type SearchResult} from './ledger.js'
import {resolveSettings, type SearchSettingsInput} from './settings.js'

export async function searchInterval(
  evaluator: Evaluator,
  input: SearchSettingsInput = {},
  onProgress?: ProgressListener,
): Promise<SearchResult> {
  const settings = resolveSettings(input)
  const ledger = new Ledger(evaluator, settings, onProgress)
  switch (settings.strategy) {
    case 'ga':
      return geneticSearch(ledger)
    case 'random':
      return randomSearch(ledger)
    case 'exhaustive':
      return exhaustiveSearch(ledger)
  }
}
