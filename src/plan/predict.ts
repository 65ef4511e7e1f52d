/**
 * Predicted latency of a skip schedule from one measured run.
 *
 * The model: a generation costs its fixed parts (prompt encoding, decoding, video encoding and
 * the denoising loop's own overhead) plus, per step, the time of a computed step or of a skipped
 * one. The per-step times are medians over the run's computed and skipped steps, so the first
 * step's warm-up does not count as typical. Model loading is not part of a generation's latency.
 */

export interface RunTimings {
  steps: Array<{ computed: boolean; seconds: number }>
  encode_prompt: number
  denoise: number
  decode: number
  encode_video: number
}

export interface LatencyModel {
  computedStep: number
  skippedStep: number
  /** False when the run skipped no step: a skipped step's cost is then unknown and taken as 0. */
  skippedMeasured: boolean
  encodePrompt: number
  loopOverhead: number
  decode: number
  encodeVideo: number
}

export function latencyModel(timings: RunTimings): LatencyModel {
  const computed = timings.steps.filter((s) => s.computed).map((s) => s.seconds)
  const skipped = timings.steps.filter((s) => !s.computed).map((s) => s.seconds)
  const stepTotal = timings.steps.reduce((sum, s) => sum + s.seconds, 0)
  return {
    computedStep: median(computed),
    skippedStep: skipped.length > 0 ? median(skipped) : 0,
    skippedMeasured: skipped.length > 0,
    encodePrompt: timings.encode_prompt,
    loopOverhead: Math.max(0, timings.denoise - stepTotal),
    decode: timings.decode,
    encodeVideo: timings.encode_video,
  }
}

export function predictSeconds(model: LatencyModel, computed: number, skipped: number): number {
  const fixed = model.encodePrompt + model.loopOverhead + model.decode + model.encodeVideo
  return fixed + computed * model.computedStep + skipped * model.skippedStep
}

/** Speedup over computing every one of the same number of steps, under the same model. */
export function predictSpeedup(model: LatencyModel, computed: number, skipped: number): number {
  return predictSeconds(model, computed + skipped, 0) / predictSeconds(model, computed, skipped)
}

export function describeLatencyModel(model: LatencyModel): string {
  const s = (x: number) => `${x.toFixed(3)} s`
  const skipped = model.skippedMeasured
    ? `skipped x ${s(model.skippedStep)}`
    : 'skipped x 0 s (the run skipped no step, so a skipped step\'s cost is unknown: speedups are upper bounds)'
  return (
    `latency = encode prompt ${s(model.encodePrompt)} + loop overhead ${s(model.loopOverhead)} + computed x ${s(model.computedStep)} + ` +
    `${skipped} + decode ${s(model.decode)} + video ${s(model.encodeVideo)}; per-step times are medians of the run's steps, model loading excluded`
  )
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
