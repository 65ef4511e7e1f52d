import { describe, expect, it } from 'vitest'
import { thresholdForSkipFraction } from '../../src/bench/thresholds.ts'
import { schedule } from '../../src/policy/teacache.ts'

const IDENTITY = [0, 0, 0, 1, 0]
// Ten steps of equal indicator change: a threshold between k and k+1 changes skips k in a row.
const FLAT = [null, ...Array.from({ length: 9 }, () => 0.1)]
// A decreasing trace, like a real timestep embedding's: large changes early, small late.
const REAL_LIKE = [null, 0.3, 0.2, 0.12, 0.08, 0.06, 0.05, 0.05, 0.04, 0.04, 0.05, 0.07]

describe('thresholdForSkipFraction', () => {
  // Every schedule a threshold can give, found the slow way: a fine grid of thresholds.
  const achievable = (trace: (number | null)[]) =>
    new Set(Array.from({ length: 4000 }, (_, i) => schedule({ coefficients: IDENTITY, threshold: i / 1000 }, trace).filter((d) => !d.computed).length))

  it.each([
    { name: 'flat, 30%', trace: FLAT, target: 0.3 },
    { name: 'flat, 50%', trace: FLAT, target: 0.5 },
    { name: 'decreasing, 30%', trace: REAL_LIKE, target: 0.3 },
    { name: 'decreasing, 50%', trace: REAL_LIKE, target: 0.5 },
    { name: 'flat, none', trace: FLAT, target: 0 },
  ])('$name: the achievable skip count nearest the target', ({ trace, target }) => {
    const picked = thresholdForSkipFraction(IDENTITY, trace, target)
    const best = Math.min(...[...achievable(trace)].map((k) => Math.abs(k / trace.length - target)))
    expect(Math.abs(picked.skipFraction - target)).toBeCloseTo(best, 12)
    expect(picked.computed + picked.skipped).toBe(trace.length)
    // The (rounded) threshold reproduces the reported schedule when replayed by the real policy.
    const replayed = schedule({ coefficients: IDENTITY, threshold: picked.threshold }, trace)
    expect(replayed.filter((d) => !d.computed).length).toBe(picked.skipped)
  })

  it('skips 4 of 10 flat steps for a 30% target: 3 is not a schedule the policy can make', () => {
    // Skips come in runs between computed steps: 0.1 per step gives CsCsCsCsCC below 0.2.
    const picked = thresholdForSkipFraction(IDENTITY, FLAT, 0.3)
    expect(picked.skipped).toBe(4)
    expect(picked.threshold).toBeGreaterThan(0.1)
    expect(picked.threshold).toBeLessThanOrEqual(0.2)
  })

  it('rounds the threshold to a short decimal that keeps the schedule', () => {
    const picked = thresholdForSkipFraction(IDENTITY, FLAT, 0.5)
    expect(String(picked.threshold).length).toBeLessThanOrEqual(6)
  })

  it('uses the coefficients: doubling the rescale doubles the threshold for the same schedule', () => {
    const single = thresholdForSkipFraction(IDENTITY, REAL_LIKE, 0.5)
    const double = thresholdForSkipFraction([0, 0, 0, 2, 0], REAL_LIKE, 0.5)
    expect(double.skipped).toBe(single.skipped)
    expect(double.threshold).toBeGreaterThan(single.threshold * 1.5)
  })

  it.each([-0.1, 1, 2])('rejects a target of %d', (target) => {
    expect(() => thresholdForSkipFraction(IDENTITY, FLAT, target)).toThrow(/target skip fraction/)
  })
})
