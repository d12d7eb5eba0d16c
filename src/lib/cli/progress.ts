// A progress line that redraws itself on a terminal (stderr) and prints
// nothing in a pipe or under --json, so scripts see only results.
export interface ProgressLine {
  update(text: string): void
  done(): void
}

export function progressLine(interactive: boolean, stream: NodeJS.WriteStream = process.stderr): ProgressLine {
  if (!interactive) return {update: () => {}, done: () => {}}
  let shown = false
  return {
    update(text: string) {
      const width = stream.columns ? stream.columns - 1 : 100
      stream.write(`\r\x1b[K${text.slice(0, width)}`)
      shown = true
    },
    done() {
      if (shown) stream.write('\r\x1b[K')
      shown = false
    },
  }
}
