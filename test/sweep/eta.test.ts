import { describe, expect, it } from 'vitest'
import { estimateRemaining, formatDuration, type Measured } from '../../src/sweep/eta.ts'

const none: Measured = { computedSteps: [], skippedSteps: [], finished: [] }

describe('sweep ETA', () => {
  it('has no estimate before a computed step is timed', () => {
    expect(estimateRemaining(none, [{ threshold: null, steps: 10 }])).toBeNull()
  })

  it.each([
    // computed steps 2 s; no skipped step timed yet: assume 2 s; no run finished: no overhead
    { what: 'a baseline', measured: { ...none, computedSteps: [1, 3] }, pending: [{ threshold: null, steps: 10 }], seconds: 20 },
    // threshold not seen yet: assume every step computed
    { what: 'an unseen threshold', measured: { ...none, computedSteps: [2], skippedSteps: [0.5] }, pending: [{ threshold: 0.2, steps: 10 }], seconds: 20 },
    // threshold seen: 4 of 10 computed; 4*2 + 6*0.5 + overhead 3
    {
      what: 'a seen threshold', pending: [{ threshold: 0.2, steps: 10 }], seconds: 8 + 3 + 3,
      measured: { computedSteps: [2], skippedSteps: [0.5], finished: [{ threshold: 0.2, steps: 10, computed: 4, overhead: 3 }] },
    },
    // the current run: 6 of 10 steps done, decode still ahead; plus a baseline of 10 steps
    {
      what: 'the current run and the rest', pending: [{ threshold: null, steps: 10, stepsDone: 6 }, { threshold: null, steps: 10 }], seconds: 4 * 2 + 1 + 10 * 2 + 1,
      measured: { computedSteps: [2], skippedSteps: [], finished: [{ threshold: null, steps: 10, computed: 10, overhead: 1 }] },
    },
    { what: 'a run past its decode', measured: { ...none, computedSteps: [2] }, pending: [{ threshold: 0, steps: 10, stepsDone: 10, overheadDone: true }], seconds: 0 },
  ])('$what: $seconds s', ({ measured, pending, seconds }) => {
    expect(estimateRemaining(measured, pending)).toBeCloseTo(seconds, 10)
  })

  it.each([
    [0, '0s'],
    [59.4, '59s'],
    [61, '1m 01s'],
    [3599, '59m 59s'],
    [3725, '1h 02m'],
  ])('formats %f s as %s', (s, text) => expect(formatDuration(s)).toBe(text))
})
