import { medianInterval, type MedianInterval } from '../stats/interval.ts'

/**
 * A candidate's measured speedup over the tuning prompts x seeds: every round of every group,
 * each the ratio of that round's baseline latency to the candidate's (both timed back to back in
 * one process), pooled; the median and its distribution-free interval, as REPORT.md computes a
 * column's headline. Held-out groups never enter it: the choice is made on the tuning prompts
 * alone. The ratios come from the records (src/report/tune-speedup.ts).
 */
export interface MeasuredSpeedup {
  speedup: number
  /** null with a single round in all (nothing to take an interval over). */
  interval: MedianInterval | null
  /** Rounds pooled. */
  rounds: number
  /** The most the pooled cells' schedules allow (the report's ideal); absent where no bound is known (methods). */
  ideal?: number
}

export function measuredSpeedup(ratios: readonly number[], ideal: number | null = null): MeasuredSpeedup | null {
  const interval = medianInterval(ratios.filter(Number.isFinite))
  if (!interval) return null
  return { speedup: interval.median, interval: interval.n >= 2 ? interval : null, rounds: interval.n, ...(ideal === null ? {} : { ideal }) }
}

/** Whether two measured speedups' intervals overlap (a missing interval is its point value). */
export function overlaps(a: MeasuredSpeedup, b: MeasuredSpeedup): boolean {
  const [lowA, highA] = a.interval ? [a.interval.low, a.interval.high] : [a.speedup, a.speedup]
  const [lowB, highB] = b.interval ? [b.interval.low, b.interval.high] : [b.speedup, b.speedup]
  return lowA <= highB && lowB <= highA
}
