#!/usr/bin/env node
// Entry point of the reseer-xl command. Errors that escape a command's own
// handler (an unknown verb, a broken install) still end as one line.
import {run, flush} from '@oclif/core'
import {reportFatal} from '../dist/lib/cli/errors.js'

try {
  await run(process.argv.slice(2), import.meta.url)
  await flush()
} catch (error) {
  process.exitCode = reportFatal(error, process.argv.slice(2))
}
