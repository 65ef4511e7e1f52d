import type { Sample } from './measure.ts'
import { median, pairedRatios, summarize, type Summary } from './stats.ts'
import { medianInterval, type MedianInterval } from '../stats/interval.ts'

/** From side-by-side samples to the figures the issue asks for, with their spread and goals. */

export const OVERHEAD_GOAL = 1.005
export const FIDELITY_GOAL = 0.97
/** A round is quiet when other processes used at most this share of the machine during both samples. */
export const QUIET_LOAD = 0.1
const MIN_QUIET_ROUNDS = 3

export interface QuietRounds {
  max_foreign_load: number
  rounds: number
  /** The median paired figure over quiet rounds only; null with fewer than 3 of them. */
  value: number | null
}

/** Rounds (indices) in which neither sample shared the machine with much other work. */
export function quietRounds(a: readonly Sample[], b: readonly Sample[], limit = QUIET_LOAD): number[] {
  return a.flatMap((sa, i) => ((sa.foreignLoad ?? 1) <= limit && (b[i].foreignLoad ?? 1) <= limit ? [i] : []))
}

function quiet(a: readonly Sample[], b: readonly Sample[], figure: (i: number) => number): QuietRounds {
  const rounds = quietRounds(a, b)
  return { max_foreign_load: QUIET_LOAD, rounds: rounds.length, value: rounds.length >= MIN_QUIET_ROUNDS ? median(rounds.map(figure)) : null }
}

function foreign(samples: readonly Sample[]): Summary | null {
  return samples.every((s) => s.foreignLoad !== null) ? summarize(samples.map((s) => s.foreignLoad as number)) : null
}

const seconds = (samples: readonly Sample[]) => samples.map((s) => s.seconds)
const cpu = (samples: readonly Sample[]): number[] | null =>
  samples.every((s) => s.cpuSeconds !== null) ? samples.map((s) => s.cpuSeconds as number) : null

const medianSteps = (samples: readonly Sample[]) => samples.map((s) => median(s.stepSeconds.slice(1)))

export interface OverheadResult {
  /** Median over rounds of (patched at threshold 0) / (unpatched) denoise wall time. */
  value: number
  goal: number
  met: boolean
  paired: Summary
  ratio_of_medians: number
  /** Contention only ever adds time: the fastest repeat of each is the least disturbed. */
  ratio_of_mins: number
  /** The same paired ratio over CPU seconds (Python + Node): robust to a busy machine. */
  cpu_ratio: number | null
  /** Paired ratio of each denoise's median step time (steps after the first): blind to one-off stalls. */
  step_ratio: number
  per_step_overhead_ms: number
  /** The paired ratio over rounds the machine was otherwise idle. */
  quiet: QuietRounds
  /** Other processes' share of the machine during the samples. */
  foreign_load: Summary | null
  step_ms: Summary
  unpatched_s: Summary
  threshold0_s: Summary
  samples: { unpatched_s: number[]; threshold0_s: number[]; unpatched_cpu_s: number[] | null; threshold0_cpu_s: number[] | null }
}

export function overhead(unpatched: readonly Sample[], threshold0: readonly Sample[]): OverheadResult {
  const a = seconds(unpatched)
  const b = seconds(threshold0)
  const ratios = pairedRatios(b, a)
  const cpuA = cpu(unpatched)
  const cpuB = cpu(threshold0)
  const steps = unpatched[0].stepSeconds.length
  const value = median(ratios)
  return {
    value,
    goal: OVERHEAD_GOAL,
    met: value <= OVERHEAD_GOAL,
    paired: summarize(ratios),
    ratio_of_medians: median(b) / median(a),
    ratio_of_mins: Math.min(...b) / Math.min(...a),
    cpu_ratio: cpuA && cpuB ? median(pairedRatios(cpuB, cpuA)) : null,
    step_ratio: median(pairedRatios(medianSteps(threshold0), medianSteps(unpatched))),
    per_step_overhead_ms: ((median(b) - median(a)) / steps) * 1000,
    quiet: quiet(unpatched, threshold0, (i) => ratios[i]),
    foreign_load: foreign([...unpatched, ...threshold0]),
    step_ms: summarize(unpatched.flatMap((s) => s.stepSeconds.slice(1).map((t) => t * 1000))),
    unpatched_s: summarize(a),
    threshold0_s: summarize(b),
    samples: { unpatched_s: a, threshold0_s: b, unpatched_cpu_s: cpuA, threshold0_cpu_s: cpuB },
  }
}

export interface SkipResult {
  threshold: number
  target_skip_fraction: number
  steps: number
  computed_steps: number
  ideal_speedup: number
  /** Median over rounds of unpatched / cached denoise wall time. */
  speedup: number
  /** The median's distribution-free interval: the same statistic a sweep's report gives its headlines. */
  speedup_interval: MedianInterval | null
  speedup_spread: Summary
  fidelity: number
  cpu_fidelity: number | null
  /** Fidelity over rounds the machine was otherwise idle. */
  quiet: QuietRounds
  /** Median skipped-step time over median computed-step time (steps 1..N-2): what a skip still costs. */
  skipped_step_cost: number
  /** The fidelity that skipped_step_cost alone explains: C / (C + (N - C) * cost). */
  expected_fidelity: number
  samples_s: number[]
}

export function skipFidelity(unpatched: readonly Sample[], cached: readonly Sample[], threshold: number, target: number): SkipResult {
  const pattern = cached[0].computed
  if (cached.some((s) => s.computed.join() !== pattern.join())) throw new Error(`threshold ${threshold}: the skip schedule changed between repeats`)
  const steps = pattern.length
  const computedSteps = pattern.filter(Boolean).length
  const ideal = steps / computedSteps
  const speedups = pairedRatios(seconds(unpatched), seconds(cached))
  const speedup = median(speedups)
  const cpuA = cpu(unpatched)
  const cpuB = cpu(cached)
  const inner = (want: boolean) =>
    cached.flatMap((s) => s.stepSeconds.filter((_, i) => i > 0 && i < steps - 1 && pattern[i] === want))
  const computedInner = inner(true)
  const computedTimes = computedInner.length > 0 ? computedInner : cached.flatMap((s) => s.stepSeconds.slice(1))
  const skippedInner = inner(false)
  const cost = skippedInner.length > 0 ? median(skippedInner) / median(computedTimes) : 0
  return {
    threshold,
    target_skip_fraction: target,
    steps,
    computed_steps: computedSteps,
    ideal_speedup: ideal,
    speedup,
    speedup_interval: medianInterval(speedups),
    speedup_spread: summarize(speedups),
    fidelity: speedup / ideal,
    cpu_fidelity: cpuA && cpuB ? median(pairedRatios(cpuA, cpuB)) / ideal : null,
    quiet: quiet(unpatched, cached, (i) => speedups[i] / ideal),
    skipped_step_cost: cost,
    expected_fidelity: computedSteps / (computedSteps + (steps - computedSteps) * cost),
    samples_s: seconds(cached),
  }
}
