import { ListrLogLevels } from 'listr2'
import type { StepProgress } from '../run/execute.ts'
import { describeProgress, type TaskLine } from '../run/progress.ts'
import { formatDuration } from './eta.ts'

/**
 * What a sweep shows while its runs go, as one listr2 task. On a terminal its title is the tally
 * of finished runs with the sweep's ETA, and under it the current run (what it is doing, its
 * step, its ETA) and the failed and interrupted runs (the latest few), so a grid of any size
 * takes a fixed number of lines. In a log: a line per run started and finished, and a few per
 * denoising loop.
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

/** How many failed or interrupted runs a terminal lists; the tally counts them all. */
export const LISTED = 5

const eta = (seconds: number | null) => (seconds === null ? 'estimating' : formatDuration(seconds))
const done = (t: Tally) => t.completed + t.skipped + t.failed

/** "12 of 60 runs done: 10 completed, 1 already done, 1 failed · sweep ETA 14m 20s" (no ETA once the sweep ends) */
export function tallyLine(t: Tally, sweepEta?: number | null): string {
  const line = `${done(t)} of ${t.total} runs done: ${t.completed} completed, ${t.skipped} already done, ${t.failed} failed`
  return sweepEta === undefined ? line : `${line} · sweep ETA ${eta(sweepEta)}`
}

/** "p3-s42/t0.2 (TeaCache 0.2) · step 17/50 · 12 computed · 5 skipped · ETA 1m 10s" */
export function currentLine(c: Current): string {
  return `${c.description} · ${c.step ? describeProgress(c.step) : c.phase} · ETA ${eta(c.eta.run)}`
}

/** A run that did not complete, as the terminal lists it and a log prints it. */
function endedLine(run: Extract<Finished, { status: 'failed' | 'interrupted' }>): string {
  if (run.status === 'interrupted') return `${run.description}: interrupted by ${run.signal}; recorded as interrupted, the same command redoes it`
  return `${run.description}: failed: ${run.message}`
}

export class SweepProgress {
  private readonly tally: Tally
  private current: Current | null = null
  private sweepEta: number | null = null
  private readonly ended: string[] = []
  private loggedRound = ''

  constructor(
    total: number,
    private readonly line: TaskLine,
  ) {
    this.tally = { total, completed: 0, skipped: 0, failed: 0 }
    this.draw()
  }

  /** A run found completed with these settings before the sweep started. */
  alreadyDone(description: string): void {
    this.tally.skipped++
    this.line.log(ListrLogLevels.SKIPPED, `${description}: already completed with these settings`)
    this.draw()
  }

  start(description: string, estimate: Eta): void {
    this.current = { description, phase: 'starting', step: null, eta: estimate }
    this.sweepEta = estimate.sweep
    this.line.log(ListrLogLevels.STARTED, `${description} · run ${done(this.tally) + 1} of ${this.tally.total}`)
    this.draw()
  }

  phase(title: string, estimate: Eta): void {
    if (!this.current) return
    Object.assign(this.current, { phase: title, step: null, eta: estimate })
    this.sweepEta = estimate.sweep
    this.line.log(ListrLogLevels.OUTPUT, `${title} · ETA ${eta(estimate.run)} · sweep ETA ${eta(estimate.sweep)}`)
    this.draw()
  }

  step(progress: StepProgress, estimate: Eta): void {
    if (!this.current) return
    Object.assign(this.current, { step: progress, eta: estimate })
    this.sweepEta = estimate.sweep
    const every = Math.max(1, Math.ceil(progress.total / 4))
    if ((progress.index + 1) % every === 0) this.line.log(ListrLogLevels.OUTPUT, `${describeProgress(progress)} · ETA ${eta(estimate.run)} · sweep ETA ${eta(estimate.sweep)}`)
    this.draw()
  }

  finish(run: Finished, sweepEta: number | null): void {
    this.current = null
    this.sweepEta = sweepEta
    if (run.status === 'failed' || run.status === 'interrupted') {
      // An interrupted run is not done: the same command redoes it.
      if (run.status === 'failed') this.tally.failed++
      this.ended.push(endedLine(run))
      this.line.log(run.status === 'failed' ? ListrLogLevels.FAILED : 'INTERRUPTED', endedLine(run))
    } else if (run.status === 'completed') {
      this.tally.completed++
      this.line.log(ListrLogLevels.COMPLETED, `${run.id} · ${run.summary} · ${done(this.tally)} of ${this.tally.total} runs done · sweep ETA ${eta(sweepEta)}`)
    } else {
      this.tally.skipped++
      this.line.log(ListrLogLevels.SKIPPED, `${run.id}: completed meanwhile by another process of this sweep`)
    }
    this.draw()
  }

  /** A later timing round of a group: every cell of it is timed again, without writing frames. */
  round(group: string, round: number, description: string): void {
    if (this.loggedRound !== `${group}/${round}`) this.line.log(ListrLogLevels.OUTPUT, `${group}: timing round ${round}`)
    this.loggedRound = `${group}/${round}`
    this.current = { description: `${group} timing round ${round} · ${description}`, phase: 'timing', step: null, eta: { run: null, sweep: this.sweepEta } }
    this.draw()
  }

  /** A step of a later round: shown on a terminal, not logged (a log gets one line per round). */
  tick(progress: StepProgress): void {
    if (!this.current) return
    this.current.step = progress
    this.draw()
  }

  /** A group's rounds are over: how many, and what stopped them. */
  roundsDone(group: string, rounds: number, why: string): void {
    this.current = null
    this.line.log(ListrLogLevels.COMPLETED, `${group}: ${rounds} timing round${rounds === 1 ? '' : 's'}; stopped by ${why}`)
    this.draw()
  }

  /** Something the user should know that is neither a run's start nor its end. */
  note(text: string): void {
    this.ended.push(text)
    this.line.log(ListrLogLevels.OUTPUT, text)
    this.draw()
  }

  /** The tally as the sweep leaves it, and the runs that did not complete. */
  close(): void {
    this.current = null
    this.line.title(tallyLine(this.tally))
    this.line.show('', this.listed())
  }

  private draw(): void {
    if (!this.line.live) return
    this.line.title(tallyLine(this.tally, this.sweepEta))
    this.line.show(this.current ? currentLine(this.current) : '', this.listed())
  }

  private listed(): string[] {
    const hidden = this.ended.length - LISTED
    const shown = this.ended.slice(-LISTED).map((text) => text.split('\n')[0])
    return hidden > 0 ? [`${hidden} earlier run(s) failed too; REPORT.md lists every run`, ...shown] : shown
  }
}
