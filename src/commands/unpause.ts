import {stateVerb} from '../lib/cli/state-verb.js'

export default stateVerb('unpause', 'Unpause a domain: its vCPUs run on from where they stopped.', [
  '<%= config.bin %> unpause echo',
  '<%= config.bin %> unpause 3',
])
