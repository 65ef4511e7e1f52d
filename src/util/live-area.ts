/**
 * A few lines at the bottom of a terminal, redrawn in place, below permanent lines that scroll
 * away as usual. Only the live lines are ever redrawn, so however long the work, what is current
 * stays on screen. Whatever else is written to the terminal meanwhile (a warning on stderr) is
 * shown at once, above the live lines, rather than held back or drawn over.
 */
export interface Sink {
  write(chunk: string): boolean
  isTTY?: boolean
  columns?: number
}

const ESC = '\x1b['
const SGR = /\x1b\[[\d;]*m/y

/** Cut a line to `width` visible characters (the last one an ellipsis), keeping its colour codes. */
export function truncate(line: string, width: number): string {
  if ([...line.replace(/\x1b\[[\d;]*m/g, '')].length <= width) return line
  let out = ''
  let visible = 0
  for (let i = 0; i < line.length && visible < width - 1; ) {
    SGR.lastIndex = i
    const code = SGR.exec(line)
    const piece = code ? code[0] : String.fromCodePoint(line.codePointAt(i)!)
    if (!code) visible++
    out += piece
    i += piece.length
  }
  return `${out}…${ESC}0m`
}

export class LiveArea {
  private drawn = 0
  private own = false
  private closed = false
  private readonly write: (text: string) => void
  private readonly restore: Array<() => void> = []
  private readonly timer: NodeJS.Timeout | undefined

  /**
   * `render` gives the live lines; they are redrawn on `refresh()` and every `tickMs` (a spinner).
   * `others` are further streams on the same terminal (stderr) whose writes go above the area.
   */
  constructor(
    private readonly out: Sink,
    private readonly render: () => string[],
    others: Sink[] = [],
    tickMs = 100,
  ) {
    const original = out.write
    this.write = (text) => void original.call(out, text)
    for (const stream of [out, ...others]) this.intercept(stream)
    this.emit(`${ESC}?25l`)
    this.timer = tickMs > 0 ? setInterval(() => this.refresh(), tickMs) : undefined
    this.timer?.unref()
  }

  refresh(): void {
    if (!this.closed) this.emit(this.erase() + this.lines())
  }

  /** A line that stays, above the live lines. */
  print(line: string): void {
    if (!this.closed) this.emit(`${this.erase()}${line}\n${this.lines()}`)
  }

  /** Remove the live lines and give the streams back. */
  close(): void {
    if (this.closed) return
    clearInterval(this.timer)
    this.emit(`${this.erase()}${ESC}?25h`)
    this.closed = true
    for (const undo of this.restore.reverse()) undo()
  }

  private lines(): string {
    const width = Math.max(20, (this.out.columns ?? 80) - 1)
    const lines = this.render().map((line) => truncate(line, width))
    this.drawn = lines.length
    return lines.map((line) => `${line}\n`).join('')
  }

  /** The cursor sits at the start of the line below the live lines: go up and clear to the end. */
  private erase(): string {
    const up = this.drawn
    this.drawn = 0
    return up > 0 ? `${ESC}${up}A\r${ESC}J` : ''
  }

  private emit(text: string): void {
    if (text === '') return
    this.own = true
    try {
      this.write(text)
    } finally {
      this.own = false
    }
  }

  private intercept(stream: Sink): void {
    const original = stream.write
    const area = this
    stream.write = function (this: unknown, chunk: unknown, ...rest: unknown[]) {
      if (area.own || area.closed) return (original as (...a: unknown[]) => boolean).call(stream, chunk, ...rest)
      area.emit(area.erase())
      // A stream whose write goes through another intercepted one must not redraw twice.
      area.own = true
      let result: boolean
      try {
        result = (original as (...a: unknown[]) => boolean).call(stream, chunk, ...rest)
      } finally {
        area.own = false
      }
      const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) || chunk instanceof Uint8Array ? Buffer.from(chunk).toString() : ''
      area.emit(`${text.endsWith('\n') ? '' : '\n'}${area.lines()}`)
      return result
    } as Sink['write']
    this.restore.push(() => {
      stream.write = original
    })
  }
}
