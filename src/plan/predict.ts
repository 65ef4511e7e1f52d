import { medianRepeat } from '../report/timing.ts'
import type { Timings } from '../run/record.ts'
import { median } from '../stats/order.ts'

/**
 * Predicted latency of a skip schedule from one measured run.
 *
 * Latency is what REPORT.md calls latency: the denoising loop plus the decode of a warm
 * generation. Model loading, the warm-up, prompt encoding (once per prompt in a sweep), frame
 * writing and the MP4 are left out; a run.json `total` counts them, which is why it is no
 * measure of a schedule (on the tiny model it is mostly loading and the warm-up).
 *
 * The model starts from what the run measured for its own schedule, as REPORT.md takes it (the
 * median of its timed repeats, `sweep --repeats`), and moves by the median time of a computed or
 * of a skipped step for every step another schedule computes or skips instead (medians, so one
 * unusual step does not count as typical). So the run's own schedule is predicted as measured,
 * and the loop's fixed work (before the first step, after the last) and the decode stay as they
 * were. A run that was its process's first generation without a warm-up paid one-off costs in
 * that generation: a later repeat is used where there is one; else its first step's excess is
 * left out as start-up, and the model says the run was cold.
 */

/** run.json's timings as the model reads them; load and warmup: model loading and the warm-up charged to the run (loading without a warm-up: a cold first generation). */
export interface RunTimings extends Pick<Timings, 'denoise' | 'decode'>, Partial<Pick<Timings, 'load' | 'warmup' | 'total'>> {
  steps: Array<{ computed: boolean; seconds: number }>
  /** Every timed generation of the run, the first (the one with step times) included; absent in older records. */
  repeats?: Array<{ denoise: number; decode: number }>
}

export interface LatencyModel {
  computedStep: number
  skippedStep: number
  /** False when the run skipped no step: a skipped step's cost is then unknown and taken as 0. */
  skippedMeasured: boolean
  /** The run's own schedule and its latency (the median generation; a cold run's start-up left out). */
  measured: { computed: number; skipped: number; seconds: number; generations: number }
  /** The run was its process's first generation, without a warm-up, and had no later repeat to use instead. */
  cold: boolean
  /** What run.json `total` counts beside the latency: model loading and the warm-up charged to this run. */
  startup: { total: number; load: number; warmup: number } | null
}

export function latencyModel(timings: RunTimings): LatencyModel {
  const computed = timings.steps.filter((s) => s.computed).map((s) => s.seconds)
  const skipped = timings.steps.filter((s) => !s.computed).map((s) => s.seconds)
  const computedStep = computed.length > 0 ? median(computed) : 0
  const skippedStep = skipped.length > 0 ? median(skipped) : 0
  const load = timings.load ?? 0
  const warmup = timings.warmup ?? 0
  const firstOfProcess = load > 0 && !(warmup > 0)
  const generations = timings.repeats?.length ? timings.repeats : [{ denoise: timings.denoise, decode: timings.decode }]
  // A cold first generation is no sample of a warm one: its repeats are, where it has any.
  const warm = firstOfProcess && generations.length > 1 ? generations.slice(1) : generations
  const cold = firstOfProcess && generations.length === 1
  // The generation REPORT.md takes as the run's latency: the median one by denoise + decode.
  const { denoise, decode } = medianRepeat(warm)
  // Cold: the first step's time beyond a typical step is start-up, not work every generation does.
  const first = timings.steps[0]
  const startupInLoop = cold && first ? Math.max(0, first.seconds - (first.computed ? computedStep : skippedStep)) : 0
  return {
    computedStep, skippedStep, skippedMeasured: skipped.length > 0, cold,
    measured: { computed: computed.length, skipped: skipped.length, seconds: denoise + decode - startupInLoop, generations: warm.length },
    startup: load + warmup > 0 ? { total: timings.total ?? 0, load, warmup } : null,
  }
}

export function predictSeconds(model: LatencyModel, computed: number, skipped: number): number {
  const m = model.measured
  return m.seconds + (computed - m.computed) * model.computedStep + (skipped - m.skipped) * model.skippedStep
}

/** Speedup over computing every one of the same number of steps, under the same model. */
export function predictSpeedup(model: LatencyModel, computed: number, skipped: number): number {
  return predictSeconds(model, computed + skipped, 0) / predictSeconds(model, computed, skipped)
}

export function describeLatencyModel(model: LatencyModel): string {
  const s = (x: number) => `${x.toFixed(3)} s`
  const m = model.measured
  const over = m.generations > 1 ? `, the median of ${m.generations} timed repeats` : ''
  const skipped = model.skippedMeasured
    ? `skipped ${s(model.skippedStep)}`
    : 'skipped 0 s (the run skipped no step, so a skipped step\'s cost is unknown: speedups are upper bounds)'
  const parts = model.startup ? [model.startup.load > 0 ? `loading the model (${s(model.startup.load)})` : '', model.startup.warmup > 0 ? `the warm-up (${s(model.startup.warmup)})` : ''].filter(Boolean) : []
  const lines = [
    'latency = denoise + decode of a warm generation, as REPORT.md measures it (model loading, warm-up, prompt encoding and the MP4 left out)',
    `  = ${s(m.seconds)} measured for the run's own schedule (${m.computed} of ${m.computed + m.skipped} steps computed${over}${model.cold ? ', its first step\'s start-up left out' : ''}), ` +
      `then per step computed ${s(model.computedStep)}, ${skipped} (medians of the run's steps)`,
  ]
  if (parts.length > 0) lines.push(`its run.json total, ${s(model.startup!.total)}, also counts ${parts.join(' and ')}: no part of latency`)
  if (model.cold) lines.push('warning: the run was its process\'s first generation, without a warm-up: its decode may include start-up costs too, so predictions may be high')
  return lines.join('\n  ')
}
