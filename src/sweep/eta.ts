/**
 * Time left in a sweep, from step times measured so far. The skip schedule of a threshold is
 * learned from its first finished run (for CogVideoX it is the same for every prompt and seed);
 * until then a threshold is assumed to compute every step, so early estimates err long.
 */
export interface Measured {
  /** Seconds of every timed computed and skipped step so far (finished runs and the current one). */
  computedSteps: readonly number[]
  skippedSteps: readonly number[]
  /** Finished runs: their threshold, step counts and the seconds spent outside the denoising loop. */
  finished: ReadonlyArray<{ threshold: number | null; steps: number; computed: number; overhead: number }>
}

export interface Pending {
  threshold: number | null
  steps: number
  /** For the run in progress: steps already done, and whether its decode/encode work is done. */
  stepsDone?: number
  overheadDone?: boolean
}

const mean = (xs: readonly number[]) => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length)

/** Seconds left for the pending runs, or null before any computed step has been timed. */
export function estimateRemaining(measured: Measured, pending: readonly Pending[]): number | null {
  const computed = mean(measured.computedSteps)
  if (computed === null) return null
  const skipped = mean(measured.skippedSteps) ?? computed
  const overhead = mean(measured.finished.map((r) => r.overhead)) ?? 0
  const fraction = (threshold: number | null) => {
    if (threshold === null || threshold === 0) return 1
    const seen = measured.finished.filter((r) => r.threshold === threshold && r.steps > 0)
    return mean(seen.map((r) => r.computed / r.steps)) ?? 1
  }
  let total = 0
  for (const run of pending) {
    const f = fraction(run.threshold)
    const steps = Math.max(0, run.steps - (run.stepsDone ?? 0))
    total += steps * (f * computed + (1 - f) * skipped) + (run.overheadDone ? 0 : overhead)
  }
  return total
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  const pad = (n: number) => String(n).padStart(2, '0')
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`
  return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`
}
