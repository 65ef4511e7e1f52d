import { describe, expect, it } from 'vitest'
import { isTeacacheError } from '../../src/errors.ts'
import { polyfit, solveLeastSquares } from '../../src/policy/fit.ts'
import { PRESETS } from '../../src/policy/presets.ts'
import { rescale } from '../../src/policy/teacache.ts'

/** A seeded generator (mulberry32) and Box-Muller normals: the same "noise" on every run. */
function normals(seed: number): () => number {
  let state = seed >>> 0
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform())
}

const grid = (lo: number, hi: number, n: number) => Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1))

describe('polyfit', () => {
  // The published polynomials over the range of distances they were fitted on.
  it.each(PRESETS.map((p) => [p.name, p.coefficients] as const))('recovers the %s polynomial exactly from noise-free pairs', (_, truth) => {
    const xs = grid(0.005, 0.3, 49)
    const fit = polyfit(xs, xs.map((x) => rescale(truth, x)))
    for (const [i, c] of truth.entries()) expect(fit.coefficients[i]).toBeCloseTo(c, 6)
    expect(fit.r2).toBeCloseTo(1, 12)
    expect(fit.pairs).toBe(49)
    expect(fit.xRange).toEqual([0.005, 0.3])
  })

  // With noise of standard deviation sigma on 400 pairs, the fitted curve should stay within
  // 3 sigma of the true one everywhere on the fitted range (least squares averages the noise).
  it.each([
    ['CogVideoX1.5-5B', 0.002],
    ['CogVideoX1.5-5B-I2V', 0.005],
    ['CogVideoX-2b', 0.01],
  ])('tracks the %s curve within 3 sigma under noise sigma=%s', (name, sigma) => {
    const truth = PRESETS.find((p) => p.name === name)!.coefficients
    const noise = normals(7)
    const xs = Array.from({ length: 8 }, () => grid(0.01, 0.25, 50)).flat()
    const ys = xs.map((x) => rescale(truth, x) + sigma * noise())
    const fit = polyfit(xs, ys)
    const worst = Math.max(...grid(0.01, 0.25, 200).map((x) => Math.abs(rescale(fit.coefficients, x) - rescale(truth, x))))
    expect(worst).toBeLessThan(3 * sigma)
    expect(fit.rmse).toBeGreaterThan(0.8 * sigma)
    expect(fit.rmse).toBeLessThan(1.2 * sigma)
  })

  it('is not thrown off by distances spanning orders of magnitude', () => {
    const xs = [1e-4, 2e-4, 5e-4, 1e-3, 1e-2, 0.1, 0.5]
    const truth = [3, -2, 1, 0.5, 0.01]
    const fit = polyfit(xs, xs.map((x) => rescale(truth, x)))
    for (const [i, c] of truth.entries()) expect(fit.coefficients[i]).toBeCloseTo(c, 6)
  })

  it.each([
    ['fewer pairs than coefficients', [0.1, 0.2, 0.3, 0.4], [1, 2, 3, 4], /^pairs: a degree-4 fit needs at least 5 pairs, got 4/],
    ['constant x', [0.1, 0.1, 0.1, 0.1, 0.1, 0.1], [1, 2, 3, 4, 5, 6], /^pairs: every x .* is 0\.1; a curve cannot be fitted to a constant x/],
    ['too few distinct x', [0.1, 0.2, 0.1, 0.2, 0.3, 0.3], [1, 2, 3, 4, 5, 6], /^pairs: a degree-4 fit needs at least 5 distinct x values, got 3/],
    ['a non-finite value', [0.1, 0.2, 0.3, 0.4, 0.5], [1, 2, Number.NaN, 4, 5], /^pairs\[2\]: expected finite numbers/],
  ])('rejects %s with a clear error', (_, xs, ys, message) => {
    let caught: unknown
    try {
      polyfit(xs, ys)
    } catch (error) {
      caught = error
    }
    expect(isTeacacheError(caught, 'INPUT')).toBe(true)
    expect((caught as Error).message).toMatch(message)
  })
})

describe('solveLeastSquares', () => {
  it('solves an overdetermined consistent system', () => {
    const a = [[1, 0], [0, 1], [1, 1]]
    expect(solveLeastSquares(a, [2, 3, 5]).map((x) => Number(x.toFixed(12)))).toEqual([2, 3])
  })

  it('returns the least-squares answer for an inconsistent one', () => {
    // Fitting a constant to 1, 2, 6: the mean.
    expect(solveLeastSquares([[1], [1], [1]], [1, 2, 6])[0]).toBeCloseTo(3, 12)
  })
})
