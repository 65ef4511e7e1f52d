/**
 * From per-step and decode times of the full-size model to end-to-end latency, next to the
 * published TeaCache4CogVideoX1.5 numbers (T2V, one H100, 1360x768x81, 50 steps).
 */
import { PUBLISHED as REFERENCE } from '../report/reference.ts'

export interface Published {
  steps: number
  baseline_s: number
  thresholds: ReadonlyArray<{ threshold: number; latency_s: number }>
}

/** The report's published T2V numbers (one table of them, in report/reference.ts), at their 50 steps. */
export const PUBLISHED: Published = {
  steps: 50,
  baseline_s: REFERENCE.t2v.baseline,
  thresholds: Object.entries(REFERENCE.t2v.thresholds).map(([threshold, latency_s]) => ({ threshold: Number(threshold), latency_s })),
}

export interface Measured {
  /** Median seconds of one computed transformer step (CFG batch 2). */
  step_s: number
  /** Median seconds of one skipped step (residuals reused). */
  skipped_step_s: number
  decode_s: number
}

export interface Prediction {
  baseline_predicted_s: number
  baseline_published_s: number
  /** predicted / published for the 50-step baseline. */
  baseline_ratio: number
  thresholds: Array<{
    threshold: number
    published_s: number
    published_speedup: number
    /** Computed steps implied by the published latency (see `derivation`). */
    computed_steps: number
    predicted_s: number
    predicted_speedup: number
  }>
  derivation: string
}

/**
 * The published latencies do not list their computed steps, and the real preset schedule needs
 * the real time-embedding weights (this bench has random ones). So the count is derived from
 * the published latency: its denoise share over the baseline's, with the non-denoise share
 * (VAE decode) taken from this measurement, times 50, rounded.
 */
export function predictLatency(m: Measured, published: Published = PUBLISHED): Prediction {
  const n = published.steps
  const baseline = n * m.step_s + m.decode_s
  const fixedShare = m.decode_s / baseline
  return {
    baseline_predicted_s: baseline,
    baseline_published_s: published.baseline_s,
    baseline_ratio: baseline / published.baseline_s,
    thresholds: published.thresholds.map(({ threshold, latency_s }) => {
      const denoiseShare = (latency_s / published.baseline_s - fixedShare) / (1 - fixedShare)
      const computed = Math.min(n, Math.max(2, Math.round(n * denoiseShare)))
      const predicted = m.decode_s + computed * m.step_s + (n - computed) * m.skipped_step_s
      return {
        threshold,
        published_s: latency_s,
        published_speedup: published.baseline_s / latency_s,
        computed_steps: computed,
        predicted_s: predicted,
        predicted_speedup: baseline / predicted,
      }
    }),
    derivation:
      'computed steps = round(50 x (published latency / published baseline - d) / (1 - d)), d = measured decode / predicted baseline; ' +
      'predicted = decode + computed x step + skipped x skipped-step. Text encoding (T5-XXL, once per prompt) is not counted.',
  }
}
