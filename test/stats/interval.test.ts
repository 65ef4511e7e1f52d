import { describe, expect, it } from 'vitest'
import { medianInterval, relativeHalfWidth } from '../../src/stats/interval.ts'

describe('medianInterval: a distribution-free interval for the median', () => {
  it.each([
    // Under six samples no pair of order statistics reaches 95%: the full range, with its real coverage.
    { n: 1, k: 1, coverage: 0 },
    { n: 2, k: 1, coverage: 0.5 },
    { n: 5, k: 1, coverage: 1 - 2 / 32 },
    { n: 6, k: 1, coverage: 1 - 2 / 64 },
    // From nine samples the interval drops the extremes: [x(2), x(8)] covers 96.1%.
    { n: 9, k: 2, coverage: 1 - 2 * (1 + 9) / 512 },
    { n: 20, k: 6, coverage: 0.9586105346679688 },
  ])('$n samples: the $k-th smallest to the $k-th largest, coverage $coverage', ({ n, k, coverage }) => {
    const samples = Array.from({ length: n }, (_, i) => n - i) // n .. 1, unsorted on purpose
    const interval = medianInterval(samples)!
    expect(interval.n).toBe(n)
    expect(interval.low).toBe(k)
    expect(interval.high).toBe(n + 1 - k)
    expect(interval.coverage).toBeCloseTo(coverage, 12)
    if (n > 1) expect(interval.coverage).toBeLessThanOrEqual(1)
  })

  it.each([1074, 1075, 2000, 10_000, 40_000])('%i samples (a report pooling thousands of groups): about 1.96 standard deviations of a fair coin either side, never collapsed onto the median', (n) => {
    const samples = Array.from({ length: n }, (_, i) => i + 1)
    const interval = medianInterval(samples)!
    const k = interval.low
    const expected = n / 2 - 1.96 * Math.sqrt(n) / 2
    expect(Math.abs(k - expected)).toBeLessThan(2)
    expect(interval.high).toBe(n + 1 - k)
    expect(interval.coverage).toBeGreaterThanOrEqual(0.95)
    expect(interval.coverage).toBeLessThan(0.96)
  })

  it('takes the median of the samples, leaves non-finite ones out, and has nothing for no samples', () => {
    expect(medianInterval([1.2, 0.8, 1, Number.NaN, Infinity])).toMatchObject({ n: 3, median: 1, low: 0.8, high: 1.2 })
    expect(medianInterval([])).toBeNull()
  })

  it.each([
    { samples: [1, 1, 1, 1, 1], width: 0 },
    { samples: [0.95, 1, 1, 1, 1.02], width: 0.05 },
    { samples: [0.5, 1, 1, 1, 1.2], width: 0.5 },
  ])('relative half-width of $samples: $width', ({ samples, width }) => {
    expect(relativeHalfWidth(medianInterval(samples)!)).toBeCloseTo(width, 12)
  })
})
