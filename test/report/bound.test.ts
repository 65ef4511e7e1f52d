import { describe, expect, it } from 'vitest'
import { aboveBound, idealLatency, idealSpeedup, SUSPECT_FACTOR } from '../../src/report/bound.ts'

describe('the ideal speedup of a schedule', () => {
  it.each([
    // (N s + D) / (k s + D) with s = denoise / N
    { name: 'every step computed', steps: 20, computed: 20, denoise: 2, decode: 0.5, ideal: 1 },
    { name: 'issue 9, 15 of 20 on a warm baseline', steps: 20, computed: 15, denoise: 0.152, decode: 0.02, ideal: 0.172 / (15 * 0.0076 + 0.02) },
    { name: 'issue 9, 9 of 20', steps: 20, computed: 9, denoise: 0.152, decode: 0.02, ideal: 0.172 / (9 * 0.0076 + 0.02) },
    { name: 'no decode: N / k', steps: 50, computed: 25, denoise: 100, decode: 0, ideal: 2 },
    { name: 'decode dominates: close to 1', steps: 10, computed: 5, denoise: 1, decode: 99, ideal: 100 / 99.5 },
    { name: 'published CogVideoX1.5 T2V at 0.1', steps: 50, computed: 34, denoise: 445, decode: 20, ideal: 465 / (34 * 8.9 + 20) },
  ])('$name', ({ steps, computed, denoise, decode, ideal }) => {
    const baseline = { denoise, decode, steps }
    expect(idealSpeedup(steps, computed, baseline)).toBeCloseTo(ideal, 12)
    expect(idealLatency(computed, baseline)).toBeCloseTo((denoise + decode) / ideal, 12)
  })

  it.each([
    { baseline: { denoise: 1, decode: 0, steps: 0 } },
    { baseline: { denoise: 0, decode: 0, steps: 20 } },
  ])('has none for a baseline with nothing to divide: $baseline', ({ baseline }) => expect(idealSpeedup(20, 10, baseline)).toBeNull())

  it.each([
    { speedup: 1.3, ideal: 1.3, above: false },
    { speedup: 1.3 * SUSPECT_FACTOR - 1e-9, ideal: 1.3, above: false },
    { speedup: 1.3 * SUSPECT_FACTOR + 1e-9, ideal: 1.3, above: true },
    { speedup: 6.7, ideal: 1.33, above: true },
    { speedup: 1.09, ideal: 1, above: false },
  ])('$speedup against ideal $ideal: above the bound $above', ({ speedup, ideal, above }) => expect(aboveBound(speedup, ideal)).toBe(above))
})
