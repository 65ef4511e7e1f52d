import type { RepeatTiming, RunRecord, TimingSession } from '../run/record.ts'
import { median } from '../stats/order.ts'
import { medianRepeat } from './timing.ts'
import { medianInterval, type MedianInterval } from '../stats/interval.ts'

/**
 * A run's speedup over its baseline from timings of one process: the median over the session's
 * rounds of round r's baseline latency / the run's (each round times the baseline and the run
 * back to back, so a slow spell lands on both or on one round of many). Records from before
 * rounds carry no session; their speedup is the ratio of the two medians, with no interval.
 */
export interface PairedSpeedup {
  speedup: number
  /** Per-round ratios (one, the ratio of medians, for records from before rounds). */
  ratios: number[]
  interval: MedianInterval | null
  /** The session both timings came from; null: unpaired (older records). */
  session: TimingSession | null
  /** The baseline's and the run's latency in that session (medians over its rounds), and the split of the baseline's. */
  baseline: { latency: number; denoise: number; decode: number }
  latency: number
}

const latency = (t: RepeatTiming) => t.denoise + t.decode
/** What pairing reads of a run: a record or its digest (./digest.ts). */
type Timed = Pick<RunRecord, 'repeats' | 'timings_s' | 'timing'>

const valid = (t: RepeatTiming) => Number.isFinite(t.denoise) && Number.isFinite(t.decode) && latency(t) > 0

/** The timings of `record` from one session ("" for those without one), in round order. */
export function sessionTimings(record: Timed, session: string | null): RepeatTiming[] {
  const all = record.repeats?.length ? record.repeats : [{ denoise: record.timings_s.denoise, decode: record.timings_s.decode }]
  return all.filter((t) => valid(t) && (t.session ?? null) === session)
}

/** The session a run's own timings come from: the latest one it recorded (runs other than baselines have one). */
export function ownSession(record: Pick<RunRecord, 'timing'>): TimingSession | null {
  return record.timing?.sessions.at(-1) ?? null
}

/** The median round (the mean of the middle two for an even count), as REPORT.md takes a run's latency. */
function middle(timings: readonly RepeatTiming[]): { latency: number; denoise: number; decode: number } {
  const { denoise, decode } = medianRepeat(timings)
  return { latency: denoise + decode, denoise, decode }
}

export function pairedSpeedup(run: Timed, baseline: Timed): PairedSpeedup | null {
  const session = ownSession(run)
  if (session) {
    const mine = sessionTimings(run, session.id)
    const theirs = new Map(sessionTimings(baseline, session.id).map((t) => [t.round, t]))
    const pairs = mine.filter((t) => theirs.has(t.round))
    if (pairs.length > 0) {
      const ratios = pairs.map((t) => latency(theirs.get(t.round)!) / latency(t))
      return {
        speedup: median(ratios), ratios, interval: medianInterval(ratios), session,
        baseline: middle(pairs.map((t) => theirs.get(t.round)!)), latency: middle(pairs).latency,
      }
    }
  }
  // No round of one session holds both: the older way, medians of whatever each recorded.
  const mine = sessionTimings(run, null)
  const theirs = sessionTimings(baseline, null)
  const runAll = mine.length ? mine : (run.repeats ?? []).filter(valid)
  const baseAll = theirs.length ? theirs : (baseline.repeats ?? []).filter(valid)
  if (runAll.length === 0 || baseAll.length === 0) return null
  const base = middle(baseAll)
  const own = middle(runAll).latency
  return { speedup: base.latency / own, ratios: [base.latency / own], interval: null, session: null, baseline: base, latency: own }
}
