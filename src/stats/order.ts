/**
 * Order statistics for timings. Medians and quantiles rather than means because a shared machine
 * only ever adds time: one preempted sample must not move the figure. Shared by the benchmarks and
 * the sweep's report.
 */

export interface Summary {
  n: number
  median: number
  p25: number
  p75: number
  iqr: number
  min: number
  max: number
}

/** Quantile q in [0, 1] with linear interpolation between order statistics (type 7, as numpy). */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) throw new RangeError('quantile of no samples')
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile: expected q in [0, 1], got ${q}`)
  const sorted = [...samples].sort((a, b) => a - b)
  const position = (sorted.length - 1) * q
  const below = Math.floor(position)
  const above = Math.min(below + 1, sorted.length - 1)
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below)
}

export const median = (samples: readonly number[]): number => quantile(samples, 0.5)

export function summarize(samples: readonly number[]): Summary {
  const p25 = quantile(samples, 0.25)
  const p75 = quantile(samples, 0.75)
  return {
    n: samples.length,
    median: median(samples),
    p25,
    p75,
    iqr: p75 - p25,
    min: Math.min(...samples),
    max: Math.max(...samples),
  }
}

/** Element-wise a[i] / b[i] of two series measured side by side (round i of each). */
export function pairedRatios(numerators: readonly number[], denominators: readonly number[]): number[] {
  if (numerators.length !== denominators.length) {
    throw new RangeError(`paired ratios need series of one length, got ${numerators.length} and ${denominators.length}`)
  }
  return numerators.map((n, i) => n / denominators[i])
}
