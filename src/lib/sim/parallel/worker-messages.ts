// Messages from hart workers to the main thread.

/** Kinds of observer record, as the first of each record's five numbers: kind, instret, then up to three values. */
export const enum Observed {
  TimeRead = 0,
  InterruptLines = 1,
  DeviceRead = 2,
  ConsoleInput = 3,
  PageAccess = 4,
}

export type WorkerMessage =
  | {type: 'observed'; hart: number; records: Float64Array}
  | {type: 'exit'; hart: number; fatal: string | undefined}
