import { median } from './order.ts'

/**
 * A distribution-free confidence interval for the median of paired ratios: the k-th smallest and
 * k-th largest sample, with k the largest for which the binomial tail keeps the coverage at or
 * above CONFIDENCE. It assumes nothing about how a busy machine distorts timings except that each
 * round's ratio is as likely to fall above the true median as below it. Under six samples no k
 * reaches 95%, so the interval is the full range and says what coverage it has.
 */
export const CONFIDENCE = 0.95

export interface MedianInterval {
  n: number
  median: number
  low: number
  high: number
  /** Probability that [low, high] holds the true median (exact, from the binomial distribution). */
  coverage: number
}

/** P(X <= k) for X ~ Binomial(n, 1/2). */
function binomialHalfCdf(n: number, k: number): number {
  let term = 0.5 ** n
  let sum = 0
  for (let i = 0; i <= k; i++) {
    sum += term
    term = (term * (n - i)) / (i + 1)
  }
  return sum
}

export function medianInterval(samples: readonly number[], confidence = CONFIDENCE): MedianInterval | null {
  const finite = samples.filter(Number.isFinite)
  const n = finite.length
  if (n === 0) return null
  const sorted = [...finite].sort((a, b) => a - b)
  // [x_(k), x_(n+1-k)] misses the median with probability 2 * P(X <= k - 1).
  let k = 1
  while (k + 1 <= n - k && 1 - 2 * binomialHalfCdf(n, k) >= confidence) k++
  const coverage = n === 1 ? 0 : 1 - 2 * binomialHalfCdf(n, k - 1)
  return { n, median: median(sorted), low: sorted[k - 1], high: sorted[n - k], coverage }
}

/** The interval's half-width relative to its median: 0.05 means within ±5%. */
export function relativeHalfWidth(interval: MedianInterval): number {
  return Math.max(interval.high / interval.median - 1, 1 - interval.low / interval.median)
}
