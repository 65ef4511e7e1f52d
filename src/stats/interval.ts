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

/**
 * P(X <= i) for X ~ Binomial(n, 1/2), for i = 0, 1, ... as asked, each from the last. The terms are
 * carried as logarithms: 0.5^n is 0 in doubles from n = 1075 on, and a report pools thousands of
 * groups' ratios (every later term would be 0 too, and the interval collapse onto the median).
 */
function binomialHalfCdf(n: number): (i: number) => number {
  const cdf: number[] = []
  let logTerm = n * Math.log(0.5)
  let sum = 0
  return (i) => {
    while (cdf.length <= i) {
      const j = cdf.length
      sum += Math.exp(logTerm)
      cdf.push(sum)
      logTerm += Math.log((n - j) / (j + 1))
    }
    return cdf[i]
  }
}

/** Which order statistics bound the interval for n samples, and their coverage. */
function order(n: number, confidence: number): { k: number; coverage: number } {
  const cdf = binomialHalfCdf(n)
  // [x_(k), x_(n+1-k)] misses the median with probability 2 * P(X <= k - 1).
  let k = 1
  while (k + 1 <= n - k && 1 - 2 * cdf(k) >= confidence) k++
  return { k, coverage: n === 1 ? 0 : 1 - 2 * cdf(k - 1) }
}

// A report asks for tens of thousands of intervals over a handful of sample counts.
const orders = new Map<string, { k: number; coverage: number }>()

export function medianInterval(samples: readonly number[], confidence = CONFIDENCE): MedianInterval | null {
  const finite = samples.filter(Number.isFinite)
  const n = finite.length
  if (n === 0) return null
  const sorted = [...finite].sort((a, b) => a - b)
  const key = `${n}:${confidence}`
  let found = orders.get(key)
  if (!found) orders.set(key, (found = order(n, confidence)))
  return { n, median: median(sorted), low: sorted[found.k - 1], high: sorted[n - found.k], coverage: found.coverage }
}

/** The interval's half-width relative to its median: 0.05 means within ±5%. */
export function relativeHalfWidth(interval: MedianInterval): number {
  return Math.max(interval.high / interval.median - 1, 1 - interval.low / interval.median)
}
