import { MAX_THRESHOLD } from '../config/schema.ts'
import { rescale, schedule } from '../policy/teacache.ts'
import { predictSeconds, predictSpeedup, type LatencyModel } from './predict.ts'

/**
 * Skip schedules replayed from an indicator trace with the run's own policy (`schedule`), for a
 * list of thresholds or for every threshold at once (to meet a target speedup).
 */

export interface PlanEntry {
  threshold: number
  computed_steps: number
  skipped: number[]
  /** Null without timings from an earlier run. */
  predicted_speedup: number | null
  predicted_seconds: number | null
}

export const DEFAULT_THRESHOLDS = [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.8, 1, 1.5, 2]

export function planEntry(coefficients: readonly number[], distances: ReadonlyArray<number | null>, threshold: number, latency: LatencyModel | null): PlanEntry {
  const decisions = schedule({ coefficients, threshold }, distances)
  const skipped = decisions.filter((d) => !d.computed).map((d) => d.index)
  const computed = decisions.length - skipped.length
  return {
    threshold,
    computed_steps: computed,
    skipped,
    predicted_speedup: latency ? predictSpeedup(latency, computed, skipped.length) : null,
    predicted_seconds: latency ? predictSeconds(latency, computed, skipped.length) : null,
  }
}

/** Speedup used to compare schedules: predicted from timings, else the step ratio N / computed. */
export function speedOf(entry: PlanEntry): number {
  return entry.predicted_speedup ?? (entry.computed_steps + entry.skipped.length) / entry.computed_steps
}

/** At most this many accumulator values are tried (enough for every value up to ~90 steps). */
const MAX_BREAKPOINTS = 4000

/**
 * One entry per distinct schedule, each under the roundest threshold that gives it.
 *
 * The policy compares the accumulator with the threshold, and the accumulator only ever holds a
 * sum of consecutive rescaled distances starting after a computed step. So the schedule can only
 * change at such sums: it is constant on (previous sum, sum], and trying every sum (added in the
 * policy's own order, so bit for bit the same values) finds every schedule there is.
 */
export function everySchedule(coefficients: readonly number[], distances: ReadonlyArray<number | null>, latency: LatencyModel | null): PlanEntry[] {
  const n = distances.length
  const rescaled = distances.map((d) => (d === null ? 0 : rescale(coefficients, d)))
  const sums = new Set<number>()
  for (let i = 1; i < n - 1; i++) {
    let acc = 0
    for (let j = i; j < n - 1; j++) {
      acc += rescaled[j]
      if (acc > 0 && acc <= MAX_THRESHOLD) sums.add(acc)
    }
  }
  let points = [...sums].sort((a, b) => a - b)
  if (points.length > MAX_BREAKPOINTS) points = points.filter((_, i) => i % Math.ceil(points.length / MAX_BREAKPOINTS) === 0)
  const entries: PlanEntry[] = [planEntry(coefficients, distances, 0, latency)]
  let lower = 0
  let group: { lower: number; upper: number; entry: PlanEntry } | null = null
  const close = () => {
    if (group) entries.push(roundest(group, coefficients, distances, latency))
  }
  // Past the largest sum every step but the first and last is skipped.
  const ends = [...points, MAX_THRESHOLD]
  for (const upper of ends) {
    const entry = planEntry(coefficients, distances, upper, latency)
    if (group && sameSkips(group.entry, entry)) group.upper = upper
    else {
      close()
      group = { lower, upper, entry }
    }
    lower = upper
  }
  close()
  return entries.filter((e, i) => i === 0 || !sameSkips(e, entries[i - 1]))
}

function sameSkips(a: PlanEntry, b: PlanEntry): boolean {
  return a.skipped.length === b.skipped.length && a.skipped.every((s, i) => s === b.skipped[i])
}

/** The threshold with the fewest decimals in (lower, upper], checked to give the same schedule. */
function roundest(
  group: { lower: number; upper: number; entry: PlanEntry },
  coefficients: readonly number[],
  distances: ReadonlyArray<number | null>,
  latency: LatencyModel | null,
): PlanEntry {
  for (let digits = 1; digits <= 12; digits++) {
    // lower / step can land just under a whole number (0.7 / 0.1 = 6.999...): try the next few.
    const base = Math.floor(group.lower * 10 ** digits)
    const candidate = [base, base + 1, base + 2].map((k) => Number((k / 10 ** digits).toFixed(digits))).find((c) => c > group.lower)!
    if (candidate <= group.upper) {
      const entry = planEntry(coefficients, distances, candidate, latency)
      if (sameSkips(entry, group.entry)) return entry
    }
  }
  return group.entry
}

export type TargetResult = { reached: true; entry: PlanEntry } | { reached: false; best: PlanEntry }

/** The schedule reaching `target` with the fewest skipped steps (then the lowest threshold). */
export function chooseForTarget(entries: readonly PlanEntry[], target: number): TargetResult {
  const reaching = entries.filter((e) => speedOf(e) >= target)
  if (reaching.length > 0) {
    const entry = reaching.reduce((a, b) => (b.skipped.length < a.skipped.length || (b.skipped.length === a.skipped.length && b.threshold < a.threshold) ? b : a))
    return { reached: true, entry }
  }
  const best = entries.reduce((a, b) => (speedOf(b) > speedOf(a) || (speedOf(b) === speedOf(a) && b.threshold < a.threshold) ? b : a))
  return { reached: false, best }
}
