import { rescale, schedule } from '../policy/teacache.ts'

/**
 * Thresholds for a benchmark, chosen from a model's indicator trace: the random-weight bench
 * model has no published coefficients, so "a threshold that skips about half the steps" has to
 * be found by replaying the policy, not guessed.
 */

export interface PickedThreshold {
  threshold: number
  computed: number
  skipped: number
  /** skipped / steps */
  skipFraction: number
}

function outcome(coefficients: readonly number[], distances: readonly (number | null)[], threshold: number): PickedThreshold & { pattern: string } {
  const decisions = schedule({ coefficients, threshold }, distances)
  const computed = decisions.filter((d) => d.computed).length
  const pattern = decisions.map((d) => (d.computed ? 'C' : 's')).join('')
  return { threshold, computed, skipped: decisions.length - computed, skipFraction: (decisions.length - computed) / decisions.length, pattern }
}

/**
 * The threshold whose schedule skips the fraction of steps nearest `target`. The schedule only
 * changes where the threshold crosses a sum of consecutive rescaled distances, so midpoints
 * between those sums are all the distinct candidates (and sit away from float ties).
 */
export function thresholdForSkipFraction(
  coefficients: readonly number[],
  distances: readonly (number | null)[],
  target: number,
): PickedThreshold {
  if (!(target >= 0 && target < 1)) throw new RangeError(`target skip fraction: expected [0, 1), got ${target}`)
  const rescaled = distances.map((d) => (d === null ? 0 : rescale(coefficients, d)))
  const sums = new Set<number>([0])
  for (let i = 1; i < rescaled.length - 1; i++) {
    let sum = 0
    for (let j = i; j < rescaled.length - 1; j++) sums.add((sum += rescaled[j]))
  }
  const sorted = [...sums].filter((s) => s >= 0).sort((a, b) => a - b)
  const candidates = sorted.map((s, k) => (k + 1 < sorted.length ? (s + sorted[k + 1]) / 2 : s * 1.5 + 1e-9))
  let best = outcome(coefficients, distances, 0)
  for (const threshold of candidates) {
    const picked = outcome(coefficients, distances, threshold)
    if (Math.abs(picked.skipFraction - target) < Math.abs(best.skipFraction - target)) best = picked
  }
  const { pattern: _pattern, ...picked } = best
  return { ...picked, threshold: roundKeeping(coefficients, distances, best) }
}

/** The shortest decimal form of the threshold that gives the same schedule (it travels on command lines). */
function roundKeeping(coefficients: readonly number[], distances: readonly (number | null)[], picked: PickedThreshold & { pattern: string }): number {
  for (let digits = 2; digits <= 12; digits++) {
    const rounded = Number(picked.threshold.toPrecision(digits))
    if (outcome(coefficients, distances, rounded).pattern === picked.pattern) return rounded
  }
  return picked.threshold
}
