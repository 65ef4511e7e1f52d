import { describe, expect, it } from 'vitest'
import { formatRatio, median, pairedRatios, quantile, summarize } from '../../src/bench/stats.ts'

describe('quantile', () => {
  // Reference values: numpy.quantile (linear interpolation, the default).
  it.each([
    [[3, 1, 2], 0.5, 2],
    [[4, 1, 3, 2], 0.5, 2.5],
    [[1, 2, 3, 4, 5], 0.25, 2],
    [[1, 2, 3, 4], 0.25, 1.75],
    [[1, 2, 3, 4], 0.75, 3.25],
    [[5], 0.99, 5],
    [[10, 20], 0, 10],
    [[10, 20], 1, 20],
    [Array.from({ length: 100 }, (_, i) => i + 1), 0.99, 99.01],
  ])('%j at q=%d is %d', (samples, q, expected) => {
    expect(quantile(samples, q)).toBeCloseTo(expected, 10)
  })

  it.each([
    [[], 0.5, /no samples/],
    [[1], -0.1, /q in \[0, 1\]/],
    [[1], 1.5, /q in \[0, 1\]/],
  ])('rejects %j at q=%d', (samples, q, message) => {
    expect(() => quantile(samples, q)).toThrow(message)
  })

  it('does not reorder the caller\'s samples', () => {
    const samples = [3, 1, 2]
    median(samples)
    expect(samples).toEqual([3, 1, 2])
  })
})

describe('summarize', () => {
  it('gives median, quartiles, IQR and range', () => {
    expect(summarize([7, 1, 3, 5, 9])).toEqual({ n: 5, median: 5, p25: 3, p75: 7, iqr: 4, min: 1, max: 9 })
  })
})

describe('pairedRatios', () => {
  it('divides repeat by repeat', () => {
    expect(pairedRatios([2, 3, 10], [1, 2, 4])).toEqual([2, 1.5, 2.5])
  })
  it('refuses series of different lengths', () => {
    expect(() => pairedRatios([1, 2], [1])).toThrow(/one length/)
  })
})

describe('formatting', () => {
  it.each([
    [1.00421, undefined, '1.0042x'],
    [2.5, 2, '2.50x'],
    [null, undefined, '-'],
    [Number.NaN, undefined, '-'],
    [Number.POSITIVE_INFINITY, undefined, '-'],
  ])('formatRatio(%d, %d) is %s', (ratio, digits, expected) => {
    expect(formatRatio(ratio, digits)).toBe(expected)
  })
})
