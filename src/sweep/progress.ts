import type { StepProgress } from '../run/execute.ts'
import { describeProgress, elapsed, Lines, marked, type ProgressOptions } from '../run/progress.ts'
import { formatDuration } from './eta.ts'

/**
 * What a sweep shows while its runs go. On a terminal: two live lines, the current run (what it
 * is doing, its step, its ETA) and a tally of the finished runs with the sweep's ETA; only
 * failures and interruptions get a line of their own, so a grid of any size fits a small
 * terminal. In a log: a line per run started and finished, and a few per denoising loop.
 */
export interface Eta {
  /** Seconds left for the current run, and for the whole sweep (current run included); null while unknown. */
  run: number | null
  sweep: number | null
}

export interface Tally {
  total: number
  completed: number
  skipped: number
  failed: number
  interrupted: number
}

export interface Current {
  description: string
  /** The run's task (Encode prompt, Denoise, ...), until denoising reports steps. */
  phase: string
  step: StepProgress | null
  eta: Eta
}

export type Finished =
  | { status: 'completed'; id: string; summary: string }
  | { status: 'skipped'; id: string }
  | { status: 'failed'; description: string; message: string }
  | { status: 'interrupted'; description: string; signal: string }

const eta = (seconds: number | null) => (seconds === null ? 'estimating' : formatDuration(seconds))
const done = (t: Tally) => t.completed + t.skipped + t.failed + t.interrupted

/** "12 of 60 runs done: 10 completed, 1 already done, 1 failed · sweep ETA 14m 20s" */
export function tallyLine(t: Tally, sweepEta: number | null): string {
  const counts = [`${t.completed} completed`, `${t.skipped} already done`, `${t.failed} failed`, ...(t.interrupted > 0 ? [`${t.interrupted} interrupted`] : [])]
  return `${done(t)} of ${t.total} runs done: ${counts.join(', ')} · sweep ETA ${eta(sweepEta)}`
}

/** "p3-s42/t0.2 (TeaCache 0.2) · step 17/50 · 12 computed · 5 skipped · ETA 1m 10s" */
export function currentLine(c: Current): string {
  return `${c.description} · ${c.step ? describeProgress(c.step) : c.phase} · ETA ${eta(c.eta.run)}`
}

export class SweepProgress {
  private readonly tally: Tally
  private current: Current | null = null
  private since = 0
  private sweepEta: number | null = null
  private readonly lines: Lines

  constructor(total: number, options: ProgressOptions) {
    this.tally = { total, completed: 0, skipped: 0, failed: 0, interrupted: 0 }
    this.lines = new Lines(options, () => [
      ...(this.current ? [marked('spinner', `${currentLine(this.current)}${elapsed(this.since)}`, this.lines.colour)] : []),
      `  ${tallyLine(this.tally, this.sweepEta)}`,
    ])
  }

  /** A run found completed with these settings before the sweep started. */
  alreadyDone(description: string): void {
    this.tally.skipped++
    if (!this.lines.tty) this.lines.print('skipped', `${description}: already completed with these settings`)
    this.lines.refresh()
  }

  start(description: string, estimate: Eta): void {
    this.current = { description, phase: 'starting', step: null, eta: estimate }
    this.since = performance.now()
    this.sweepEta = estimate.sweep
    if (!this.lines.tty) this.lines.print('start', `${description} · run ${done(this.tally) + 1} of ${this.tally.total}`)
    this.lines.refresh()
  }

  phase(title: string, estimate: Eta): void {
    if (!this.current) return
    Object.assign(this.current, { phase: title, step: null, eta: estimate })
    this.sweepEta = estimate.sweep
    if (!this.lines.tty) this.lines.print('note', `${title} · ETA ${eta(estimate.run)} · sweep ETA ${eta(estimate.sweep)}`)
    this.lines.refresh()
  }

  step(progress: StepProgress, estimate: Eta): void {
    if (!this.current) return
    Object.assign(this.current, { step: progress, eta: estimate })
    this.sweepEta = estimate.sweep
    if (this.lines.tty) return this.lines.refresh()
    const every = Math.max(1, Math.ceil(progress.total / 4))
    if ((progress.index + 1) % every === 0) this.lines.print('note', `${describeProgress(progress)} · ETA ${eta(estimate.run)} · sweep ETA ${eta(estimate.sweep)}`)
  }

  finish(run: Finished, sweepEta: number | null): void {
    this.current = null
    this.sweepEta = sweepEta
    this.tally[run.status]++
    const count = `${done(this.tally)} of ${this.tally.total} runs done · sweep ETA ${eta(sweepEta)}`
    if (run.status === 'failed') this.lines.print('failed', `${run.description}: failed: ${run.message}`)
    else if (run.status === 'interrupted') this.lines.print('interrupted', `${run.description}: interrupted by ${run.signal}; recorded as interrupted, the same command redoes it`)
    else if (this.lines.tty) this.lines.refresh()
    else if (run.status === 'completed') this.lines.print('done', `${run.id} · ${run.summary} · ${count}`)
    else this.lines.print('skipped', `${run.id}: completed meanwhile by another process of this sweep`)
  }

  close(): void {
    this.current = null
    this.lines.close()
  }
}
