import type { RunRecord } from '../run/record.ts'
import { aboveBound, SUSPECT_FACTOR, type Suspicion } from './bound.ts'
import { seconds } from './format.ts'
import { coldStart, describePlace, sameWorker, type Process } from './placement.ts'

/**
 * Whether a run's speedup over its baseline can be shown as a result, and if not, what the records
 * say about why: the reader gets the likely cause, not just a warning.
 */
export interface TimedRun {
  id: string
  record: Pick<RunRecord, 'worker'>
  /** Median latency (s). */
  latency: number
}

export interface Evidence {
  processes: readonly Process[]
  /** Median latency of every completed baseline, by run id. */
  baselines: ReadonlyMap<string, number>
}

export const processName = (p: Process) =>
  p.worker ? `process ${p.worker.pid} on \`${p.worker.host}\`` : 'a process that recorded neither where it ran nor a warm-up'

export interface Bounds {
  ideal: number | null
  lower: number | null
  /** The two timings come from rounds of one process (a session): where each ran does not matter then. */
  paired: boolean
}

export function suspicionFor(run: TimedRun, baseline: TimedRun, speedup: number, bounds: Bounds, evidence: Evidence): Suspicion | null {
  const { ideal, lower } = bounds
  const aboveIdeal = ideal !== null && aboveBound(speedup, ideal)
  const belowLower = lower !== null && speedup < lower
  const differentWorker = !bounds.paired && sameWorker(baseline.record.worker, run.record.worker) === false
  if (!aboveIdeal && !differentWorker && !belowLower) return null
  const causes: string[] = []
  if (belowLower) {
    causes.push(`below the least its schedule allows (${speedup.toFixed(2)}x < ${lower!.toFixed(2)}x): a run that computes a subset of its baseline's steps cannot be that much slower, so the machine slowed during this cell; rerun on a quieter machine or with more rounds`)
  }
  if (differentWorker) {
    causes.push(`different worker: the baseline ran on ${describePlace(baseline.record.worker!)}, this run on ${describePlace(run.record.worker!)}`)
  }
  if (aboveIdeal) {
    // Only a slow baseline inflates a speedup; a cold TeaCache run would shrink it.
    const cold = evidence.processes.find((p) => p.runs[0] === baseline.id && coldStart(p))
    if (cold) causes.push(`no warm-up: the baseline \`${baseline.id}\` was the first timed run of ${processName(cold)}, with no warm-up before it`)
    const others = medianOfOthers(evidence.baselines, baseline.id)
    const typical = others.median
    if (typical !== null && baseline.latency > typical * SUSPECT_FACTOR) {
      causes.push(`the baseline took ${seconds(baseline.latency)} s against a median of ${seconds(typical)} s for the other ${others.count} baseline(s)`)
    }
    if (causes.length === 0) causes.push('nothing in the records explains it: a loaded machine or timing noise is likely; rerun with more repeats')
  }
  return { aboveIdeal, belowLower, differentWorker, causes }
}

/** Every baseline's latency sorted once per report, not once per suspect run (a 10,000-prompt sweep has 10,000). */
const sortedBaselines = new WeakMap<ReadonlyMap<string, number>, number[]>()

/** The median latency of every baseline but `id`. */
export function medianOfOthers(baselines: ReadonlyMap<string, number>, id: string): { median: number | null; count: number } {
  let sorted = sortedBaselines.get(baselines)
  if (!sorted) sortedBaselines.set(baselines, (sorted = [...baselines.values()].sort((a, b) => a - b)))
  const own = baselines.get(id)
  const skip = own === undefined ? -1 : sorted.indexOf(own)
  const count = sorted.length - (skip >= 0 ? 1 : 0)
  if (count === 0) return { median: null, count }
  const at = (i: number) => sorted![skip >= 0 && i >= skip ? i + 1 : i]
  const mid = count >> 1
  return { median: count % 2 ? at(mid) : (at(mid - 1) + at(mid)) / 2, count }
}
