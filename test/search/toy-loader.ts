// The toy race as a problem source, so pool workers can load it the way they
// load a recorded interval.

import {pathFromString} from '../../src/lib/search/path.js'
import {raceInterval} from './toy-machine.js'

export interface ToyArg {
  rounds: number
  secret: string
  damage?: boolean
}

export function loadInterval(arg: unknown) {
  const {rounds, secret, damage} = arg as ToyArg
  const {runner, problem} = raceInterval(rounds, pathFromString(secret), {damage, cacheBytes: 0})
  return {machine: runner.machine, problem}
}
