// oclif calls this for a verb no command file defines: reseer-xl hands it to
// xl with the words as typed and exits with xl's status.
import type {Hook} from '@oclif/core'
import {passthroughToXl, typedWords} from '../lib/xl/passthrough.js'

const hook: Hook<'command_not_found'> = async function (options) {
  const words = typedWords(options.id, options.argv ?? [], process.argv.slice(2))
  process.exitCode = await passthroughToXl(words, `'${words[0]}' is not a reseer-xl verb`)
}

export default hook
