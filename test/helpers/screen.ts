/**
 * Stand-ins for progress tests. FakeTerminal is a TTY-like stream that records what is written
 * and interprets the escape codes listr2's default renderer (through log-update) writes: line
 * feed, carriage return, cursor up (never above the visible screen, as on a real terminal),
 * cursor to a column, erase line and erase down; colours and cursor show/hide change nothing on
 * screen. Lines longer than the terminal wrap. A test then reads the screen.
 */
export class FakeTerminal {
  readonly isTTY = true
  written = ''
  private readonly lines: string[] = ['']
  private row = 0
  private col = 0

  constructor(
    readonly columns = 100,
    readonly rows = 30,
  ) {}

  write(chunk: string): boolean {
    this.written += chunk
    const codes = /\x1b\[(\??)([\d;]*)([A-Za-z])|([\s\S])/g
    for (const [, , n, command, char] of chunk.matchAll(codes)) {
      if (char === '\n') this.newLine()
      else if (char === '\r') this.col = 0
      else if (char !== undefined) {
        if (this.col >= this.columns) this.newLine()
        const line = this.lines[this.row].padEnd(this.col)
        this.lines[this.row] = line.slice(0, this.col) + char + line.slice(this.col + 1)
        this.col++
      } else if (command === 'A') this.row = Math.max(this.top(), this.row - Number(n || 1))
      else if (command === 'G') this.col = Number(n || 1) - 1
      else if (command === 'K') {
        const line = this.lines[this.row]
        this.lines[this.row] = n === '2' ? '' : n === '1' ? ' '.repeat(this.col) + line.slice(this.col) : line.slice(0, this.col)
      } else if (command === 'J') {
        this.lines[this.row] = this.lines[this.row].slice(0, this.col)
        this.lines.length = this.row + 1
      }
      // m (colour), h and l (cursor shown or hidden) change nothing on the screen.
    }
    return true
  }

  /** Every line the terminal holds, scrolled-off ones included, without blank lines at the end. */
  all(): string[] {
    return trimEnd(this.lines.map((line) => line.trimEnd()))
  }

  /** What a terminal of `rows` rows shows now, without blank lines at the end. */
  screen(): string[] {
    return trimEnd(this.lines.slice(this.top()).map((line) => line.trimEnd()))
  }

  private top(): number {
    return Math.max(0, this.lines.length - this.rows)
  }

  private newLine(): void {
    this.row++
    this.col = 0
    if (this.row === this.lines.length) this.lines.push('')
  }
}

function trimEnd(lines: string[]): string[] {
  let end = lines.length
  while (end > 0 && lines[end - 1] === '') end--
  return lines.slice(0, end)
}

/** A plain stream, as a pipe or a CI log: no TTY. */
export class FakeLog {
  readonly isTTY = false
  written = ''
  constructor(private readonly also?: (chunk: string) => void) {}
  write(chunk: string): boolean {
    this.written += chunk
    this.also?.(chunk)
    return true
  }
  lines(): string[] {
    return this.written.split('\n').filter((line) => line !== '')
  }
}

/**
 * listr2 picks its default renderer only when process.stdout is a terminal, and fits lines to
 * process.stdout.columns: while `work` runs, the process's stdout says it is `term` (whatever is
 * written goes to the streams the test passes).
 */
export async function onTerminal<T>(term: FakeTerminal, work: () => Promise<T>): Promise<T> {
  const stdout = process.stdout as { isTTY?: boolean; columns?: number }
  const saved = { isTTY: stdout.isTTY, columns: stdout.columns }
  Object.assign(stdout, { isTTY: true, columns: term.columns })
  try {
    return await work()
  } finally {
    Object.assign(stdout, saved)
  }
}
