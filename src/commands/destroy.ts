import {stateVerb} from '../lib/cli/state-verb.js'

export default stateVerb('destroy', 'Destroy a domain at once, as pulling its power would; a recording in progress is closed first.', [
  '<%= config.bin %> destroy echo',
  '<%= config.bin %> destroy -N echo',
])
