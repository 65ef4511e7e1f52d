import { describe, expect, it } from 'vitest'
import { idealSpeedup, lowerSpeedup, SUSPECT_FACTOR } from '../../src/report/bound.ts'

describe('lowerSpeedup: the least a TeaCache schedule allows', () => {
  const baseline = { denoise: 2, decode: 1, steps: 20 } // s = 0.1 s a step
  it.each([
    // Every step computed and skips free: the baseline's own time, less the tolerance.
    { steps: 20, computed: 20, skipped: 0, expected: 1 / SUSPECT_FACTOR },
    // 10 of 20 computed, a skipped step costing 0.01 s: (2 + 1) / (1 + 20 * 0.01 + 1) / 1.1.
    { steps: 20, computed: 10, skipped: 0.01, expected: 3 / 2.2 / SUSPECT_FACTOR },
    // A skipped step is never charged more than a computed one.
    { steps: 20, computed: 10, skipped: 5, expected: 3 / (1 + 2 + 1) / SUSPECT_FACTOR },
  ])('$computed of $steps computed, skipped step $skipped s: $expected', ({ steps, computed, skipped, expected }) => {
    expect(lowerSpeedup(steps, computed, baseline, skipped)).toBeCloseTo(expected, 12)
  })

  it('always lies below the ideal of the same schedule', () => {
    for (let computed = 2; computed <= 20; computed++) {
      for (const skipped of [0, 0.001, 0.05, 0.1]) {
        expect(lowerSpeedup(20, computed, baseline, skipped)!).toBeLessThan(idealSpeedup(20, computed, baseline)!)
      }
    }
  })

  it('has no bound without a baseline to divide by', () => {
    expect(lowerSpeedup(20, 10, { denoise: 2, decode: 1, steps: 0 }, 0)).toBeNull()
  })
})
