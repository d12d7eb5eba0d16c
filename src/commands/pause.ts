import {stateVerb} from '../lib/cli/state-verb.js'

export default stateVerb('pause', 'Pause a domain: every vCPU stops at an instruction boundary.', [
  '<%= config.bin %> pause echo',
  '<%= config.bin %> pause 3',
])
