// Every configuration mistake is reported as FILE:LINE:COLUMN: what was
// expected, the way compilers do, so an editor can jump to it.
import {ReseerError} from '../cli/errors.js'

/** A place in a config file; line and column count from 1. */
export interface Position {
  line: number
  column: number
}

/** The stable code scripts see under --json for any mistake inside a config file. */
export const CONFIG_ERROR_CODE = 'ECONFIG'

export function configError(file: string, at: Position, message: string, hint?: string): ReseerError {
  return new ReseerError(`${file}:${at.line}:${at.column}: ${message}`, {code: CONFIG_ERROR_CODE, hint})
}
