import { describe, expect, it } from 'vitest'
import { chooseForTarget, everySchedule, planEntry, speedOf } from '../../src/plan/plan.ts'
import { latencyModel } from '../../src/plan/predict.ts'
import { schedule } from '../../src/policy/teacache.ts'
import { IDENTITY, TRACE } from './fixtures.ts'

const UNIFORM: Array<number | null> = [null, ...Array(9).fill(0.1)]
// computed step 1 s, skipped 0.5 s, 1 s of loop overhead and 1 s of decode: latency = 2 + c + 0.5 (10 - c).
const TIMED = latencyModel({
  steps: [true, false, true, false, true, false, true, false, true, true].map((computed) => ({ computed, seconds: computed ? 1 : 0.5 })),
  denoise: 9, decode: 1,
})

describe('planEntry', () => {
  it('is the run policy replayed: same skipped steps as schedule()', () => {
    for (const threshold of [0, 0.2, 0.3, 0.5, 1]) {
      const expected = schedule({ coefficients: IDENTITY, threshold }, TRACE).filter((d) => !d.computed).map((d) => d.index)
      expect(planEntry(IDENTITY, TRACE, threshold, null).skipped).toEqual(expected)
    }
  })

  it.each([
    [0, 12, []],
    [0.3, 6, [1, 3, 5, 6, 8, 9]],
    [0.5, 4, [1, 2, 3, 5, 6, 7, 9, 10]],
  ])('threshold %s on the fixture trace computes %i steps, skipping %j', (threshold, computed, skipped) => {
    expect(planEntry(IDENTITY, TRACE, threshold, null)).toEqual({ threshold, computed_steps: computed, skipped, predicted_speedup: null, predicted_seconds: null })
  })

  it('predicts latency and speedup with timings', () => {
    const entry = planEntry(IDENTITY, UNIFORM, 0.5, TIMED)
    expect(entry.computed_steps).toBe(3)
    expect(entry.predicted_seconds).toBeCloseTo(2 + 3 + 0.5 * 7, 10)
    expect(entry.predicted_speedup).toBeCloseTo(12 / 8.5, 10)
  })
})

describe('everySchedule', () => {
  it('finds every schedule a fine threshold grid finds, each under a threshold that really gives it', () => {
    const found = everySchedule(IDENTITY, TRACE, null)
    for (const entry of found) expect(planEntry(IDENTITY, TRACE, entry.threshold, null).skipped).toEqual(entry.skipped)
    const keys = new Set(found.map((e) => e.skipped.join(',')))
    for (let t = 0; t <= 2; t += 0.0005) expect(keys.has(planEntry(IDENTITY, TRACE, t, null).skipped.join(','))).toBe(true)
  })

  it('names each schedule by the roundest threshold that gives it', () => {
    // Accumulator sums are 0.1, 0.2, 0.30000000000000004, 0.4, ..., 0.7999999999999999: the schedule
    // changes just past each, so (0.7, 0.7999999999999999] is named 0.71 and 0.8 skips everything.
    expect(everySchedule(IDENTITY, UNIFORM, null).map((e) => [e.threshold, e.computed_steps])).toEqual([
      [0, 10], [0.2, 6], [0.3, 4], [0.4, 4], [0.5, 3], [0.6, 3], [0.7, 3], [0.71, 3], [0.8, 2],
    ])
  })
})

describe('chooseForTarget', () => {
  it.each([
    // Step ratio (no timings): 2x needs at most 5 of 10 computed; 0.3 computes 4 (0.2 computes 6).
    ['step ratio, 2x', UNIFORM, null, 2, { threshold: 0.3, computed_steps: 4, skipped: [1, 2, 4, 5, 7, 8] }],
    ['step ratio, 1.5x', UNIFORM, null, 1.5, { threshold: 0.2, computed_steps: 6, skipped: [1, 3, 5, 7] }],
    ['step ratio, 1x is threshold 0', UNIFORM, null, 1, { threshold: 0, computed_steps: 10, skipped: [] }],
    // Timings: 12 / (7 + 0.5 c) >= 1.4 needs c <= 3; thresholds 0.5 and 0.6 both compute 3: the lower wins.
    ['predicted, 1.4x', UNIFORM, TIMED, 1.4, { threshold: 0.5, computed_steps: 3, skipped: [1, 2, 3, 4, 6, 7, 8] }],
  ])('%s', (_, trace, latency, target, expected) => {
    const result = chooseForTarget(everySchedule(IDENTITY, trace, latency), target)
    expect(result.reached).toBe(true)
    if (result.reached) expect(result.entry).toMatchObject(expected)
  })

  it('says when the target is out of reach, and what the most is', () => {
    // At best 2 of 10 steps computed: 12 / 8 = 1.5x.
    const result = chooseForTarget(everySchedule(IDENTITY, UNIFORM, TIMED), 1.6)
    expect(result).toMatchObject({ reached: false, best: { threshold: 0.8, computed_steps: 2 } })
    if (!result.reached) expect(speedOf(result.best)).toBeCloseTo(1.5, 10)
  })

  it('on an irregular trace picks the fewest skips a fine grid can reach the target with', () => {
    for (const target of [1.2, 1.5, 2, 2.5]) {
      const result = chooseForTarget(everySchedule(IDENTITY, TRACE, null), target)
      if (!result.reached) throw new Error(`${target}x should be reachable`)
      expect(speedOf(result.entry)).toBeGreaterThanOrEqual(target)
      for (let t = 0; t <= 2; t += 0.0005) {
        const entry = planEntry(IDENTITY, TRACE, t, null)
        if (speedOf(entry) >= target) expect(entry.skipped.length).toBeGreaterThanOrEqual(result.entry.skipped.length)
      }
    }
  })

  it('chooses among a given list only', () => {
    const listed = [0.2, 0.5].map((t) => planEntry(IDENTITY, UNIFORM, t, null))
    expect(chooseForTarget(listed, 2)).toMatchObject({ reached: true, entry: { threshold: 0.5 } })
  })
})
