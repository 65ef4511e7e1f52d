import { LiveArea, type Sink } from '../util/live-area.ts'
import type { RunTask, StepProgress } from './execute.ts'

/** A unit of visible work: a title and a body that may report denoising progress. */
export type Step = RunTask

export function describeProgress(p: StepProgress): string {
  return `step ${p.index + 1}/${p.total} · ${p.computed} computed · ${p.skipped} skipped`
}

/** Where progress is shown: stdout, with stderr beside it on a terminal (so warnings print above it). */
export interface Display {
  out?: Sink
  others?: Sink[]
}

export interface ProgressOptions extends Display {
  quiet?: boolean
  /** The signal that is stopping the command, if any: the step it stops is shown as interrupted, not failed. */
  interrupted?: () => NodeJS.Signals | undefined
}

export type Mark = 'done' | 'failed' | 'interrupted' | 'skipped' | 'start' | 'note'
const MARKS: Record<Mark, [string, number]> = { done: ['✔', 32], failed: ['✖', 31], interrupted: ['■', 33], skipped: ['↓', 33], start: ['❯', 36], note: ['›', 90] }
const SPINNER = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏'

/** A line led by its mark, coloured on a terminal (unless NO_COLOR). */
export function marked(mark: Mark | 'spinner', text: string, colour: boolean): string {
  const [symbol, code] = mark === 'spinner' ? [SPINNER[Math.floor(Date.now() / 100) % SPINNER.length], 36] : MARKS[mark]
  return colour ? `\x1b[${code}m${symbol}\x1b[39m ${text}` : `${symbol} ${text}`
}

export function elapsed(since: number): string {
  const seconds = Math.floor((performance.now() - since) / 1000)
  return seconds >= 1 ? ` (${seconds}s)` : ''
}

/**
 * One way of showing progress: on a terminal, finished lines stay and the current one is redrawn
 * below them (src/util/live-area.ts); in a log (no TTY), one line per event, denoising about ten
 * times per loop, so CI logs stay readable. `quiet` shows nothing.
 */
export class Lines {
  readonly tty: boolean
  readonly colour: boolean
  private readonly area: LiveArea | undefined
  private readonly out: Sink | undefined

  constructor(options: ProgressOptions, live: () => string[]) {
    const out = options.out ?? process.stdout
    this.tty = Boolean(out.isTTY) && !options.quiet
    this.colour = this.tty && !process.env.NO_COLOR
    this.out = options.quiet ? undefined : out
    this.area = this.tty ? new LiveArea(out, live, options.others ?? (options.out ? [] : [process.stderr])) : undefined
  }

  /** A line that stays (on a terminal, above the live lines). */
  print(mark: Mark, text: string): void {
    const line = marked(mark, text, this.colour)
    if (this.area) this.area.print(line)
    else this.out?.write(`${line}\n`)
  }

  refresh(): void {
    this.area?.refresh()
  }

  close(): void {
    this.area?.close()
  }
}

/** Run steps one after another, showing each with its denoising progress. */
export async function runWithProgress(steps: Step[], options: ProgressOptions = {}): Promise<void> {
  let current: { title: string; since: number; progress: StepProgress | null } | null = null
  const live = (): string[] => {
    if (!current) return []
    return [marked('spinner', `${current.title}${current.progress ? ` · ${describeProgress(current.progress)}` : ''}${elapsed(current.since)}`, lines.colour)]
  }
  const lines: Lines = new Lines(options, live)
  try {
    for (const step of steps) {
      current = { title: step.title, since: performance.now(), progress: null }
      if (!lines.tty) lines.print('start', step.title)
      lines.refresh()
      try {
        await step.run((p) => {
          current!.progress = p
          if (lines.tty) return lines.refresh()
          const every = Math.max(1, Math.ceil(p.total / 10))
          if ((p.index + 1) % every === 0 || p.index + 1 === p.total) lines.print('note', describeProgress(p))
        })
      } catch (error) {
        const signal = options.interrupted?.()
        current = null
        // The error itself is printed once, by the boundary in cli.ts.
        if (signal) lines.print('interrupted', `${step.title}: interrupted by ${signal}`)
        else lines.print('failed', step.title)
        throw error
      }
      current = null
      lines.print('done', step.title)
    }
  } finally {
    lines.close()
  }
}
