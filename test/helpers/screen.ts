/**
 * A terminal stand-in for progress tests: a TTY-like stream that records what is written, and
 * a small interpreter of the escape codes teacache's live area uses (line feed, carriage return,
 * cursor up, clear to end of screen, colours, cursor show/hide), so a test can read the screen.
 */
export class FakeTerminal {
  readonly isTTY = true
  written = ''
  private readonly lines: string[] = ['']
  private row = 0
  private col = 0

  constructor(readonly columns = 100, readonly rows = 30) {}

  write(chunk: string): boolean {
    this.written += chunk
    const codes = /\x1b\[(\??)(\d*)([A-Za-z])|([\s\S])/g
    for (const [, , n, command, char] of chunk.matchAll(codes)) {
      if (char === '\n') {
        this.row++
        this.col = 0
        if (this.row === this.lines.length) this.lines.push('')
      } else if (char === '\r') this.col = 0
      else if (char !== undefined) {
        const line = this.lines[this.row].padEnd(this.col)
        this.lines[this.row] = line.slice(0, this.col) + char + line.slice(this.col + 1)
        this.col++
      } else if (command === 'A') this.row = Math.max(0, this.row - Number(n || 1))
      else if (command === 'J') {
        this.lines[this.row] = this.lines[this.row].slice(0, this.col)
        this.lines.length = this.row + 1
      }
      // m (colour), h and l (cursor shown or hidden) change nothing on the screen.
    }
    return true
  }

  /** Every line written so far, scrolled-off ones included, without the cursor's empty line. */
  all(): string[] {
    return this.lines.at(-1) === '' ? this.lines.slice(0, -1) : [...this.lines]
  }

  /** What a terminal of `rows` rows shows now. */
  screen(): string[] {
    return this.all().slice(-this.rows)
  }
}

/** A plain stream, as a pipe or a CI log: no TTY. */
export class FakeLog {
  readonly isTTY = false
  written = ''
  write(chunk: string): boolean {
    this.written += chunk
    return true
  }
  lines(): string[] {
    return this.written.split('\n').filter((line) => line !== '')
  }
}
