import { describe, expect, it } from 'vitest'
import { overhead, quietRounds, skipFidelity } from '../../src/bench/analyze.ts'
import type { Sample } from '../../src/bench/measure.ts'

/** A denoise of `steps` steps: computed steps take `step` s, skipped ones `skip` s, after `setup` s in step 0. */
function sample(pattern: string, step: number, skip: number, options: { scale?: number; foreign?: number | null; setup?: number } = {}): Sample {
  const scale = options.scale ?? 1
  const computed = [...pattern].map((c) => c === 'C')
  const stepSeconds = computed.map((c, i) => scale * ((c ? step : skip) + (i === 0 ? (options.setup ?? 0) : 0)))
  const seconds = stepSeconds.reduce((a, b) => a + b, 0)
  return { seconds, stepSeconds, cpuSeconds: seconds * 2, computed, foreignLoad: options.foreign === undefined ? 0 : options.foreign }
}

const ALL = 'CCCCCCCCCC'

describe('overhead', () => {
  it('is the median of per-round ratios, so one disturbed round does not move it', () => {
    const scales = [1, 1.02, 0.98, 3, 1]
    const unpatched = scales.map((scale) => sample(ALL, 0.1, 0, { scale }))
    const patched = scales.map((scale, i) => sample(ALL, 0.101, 0, { scale: i === 3 ? 1 : scale }))
    const result = overhead(unpatched, patched)
    expect(result.value).toBeCloseTo(1.01, 10)
    expect(result.met).toBe(false)
    expect(result.ratio_of_mins).toBeCloseTo(1.01, 10)
    expect(result.per_step_overhead_ms).toBeCloseTo(1, 6)
    expect(result.step_ms.median).toBeCloseTo(100, 6)
    expect(result.cpu_ratio).toBeCloseTo(1.01, 10)
    expect(result.step_ratio).toBeCloseTo(1.01, 10)
  })

  it('compares median step times too, which one stalled step does not move', () => {
    const unpatched = [1, 2, 3].map(() => sample(ALL, 0.1, 0))
    const patched = [1, 2, 3].map(() => ({ ...sample(ALL, 0.1, 0), stepSeconds: [0.1, 0.1, 0.1, 0.1, 2, 0.1, 0.1, 0.1, 0.1, 0.1] }))
    expect(overhead(unpatched, patched).step_ratio).toBe(1)
  })

  it('meets the goal when the patched forward costs under 0.5% more', () => {
    const unpatched = [1, 2, 3].map(() => sample(ALL, 0.2, 0))
    const patched = [1, 2, 3].map(() => sample(ALL, 0.2008, 0))
    expect(overhead(unpatched, patched)).toMatchObject({ met: true, goal: 1.005 })
  })

  it('reports the ratio over quiet rounds only, when there are at least three', () => {
    const loads = [0, 0.5, 0.02, 0.05, 0.9]
    const unpatched = loads.map((foreign) => sample(ALL, 0.1, 0, { foreign }))
    const patched = loads.map((foreign, i) => sample(ALL, i === 1 || i === 4 ? 0.2 : 0.1, 0, { foreign }))
    const result = overhead(unpatched, patched)
    expect(quietRounds(unpatched, patched)).toEqual([0, 2, 3])
    expect(result.quiet).toEqual({ max_foreign_load: 0.1, rounds: 3, value: 1 })
    expect(overhead(unpatched.slice(0, 2), patched.slice(0, 2)).quiet.value).toBeNull()
  })

  it('has no CPU-time figures without /proc', () => {
    const bare = (s: Sample): Sample => ({ ...s, cpuSeconds: null, foreignLoad: null })
    const result = overhead([bare(sample(ALL, 0.1, 0))], [bare(sample(ALL, 0.1, 0))])
    expect(result.cpu_ratio).toBeNull()
    expect(result.foreign_load).toBeNull()
    expect(result.quiet.rounds).toBe(0)
  })
})

describe('skipFidelity', () => {
  const pattern = 'CsCsCsCsCC' // 6 of 10 computed: ideal 10/6

  it('is 1 when a skipped step costs nothing and there is no setup', () => {
    const base = [1, 2, 3].map(() => sample(ALL, 0.1, 0))
    const cached = [1, 2, 3].map(() => sample(pattern, 0.1, 0))
    const r = skipFidelity(base, cached, 0.15, 0.3)
    expect(r).toMatchObject({ steps: 10, computed_steps: 6, skipped_step_cost: 0, expected_fidelity: 1 })
    expect(r.ideal_speedup).toBeCloseTo(10 / 6, 12)
    expect(r.fidelity).toBeCloseTo(1, 12)
  })

  it('explains the shortfall by what a skipped step still costs', () => {
    const base = [1, 2, 3].map(() => sample(ALL, 0.1, 0))
    const cached = [1, 2, 3].map(() => sample(pattern, 0.1, 0.01))
    const r = skipFidelity(base, cached, 0.15, 0.3)
    expect(r.skipped_step_cost).toBeCloseTo(0.1, 12)
    // 6 computed + 4 x 0.1 = 6.4 step-equivalents instead of 6.
    expect(r.expected_fidelity).toBeCloseTo(6 / 6.4, 12)
    expect(r.fidelity).toBeCloseTo(6 / 6.4, 12)
  })

  it('refuses samples whose schedules differ between repeats', () => {
    const base = [1, 2].map(() => sample(ALL, 0.1, 0))
    const cached = [sample(pattern, 0.1, 0), sample('CCsCsCsCsC', 0.1, 0)]
    expect(() => skipFidelity(base, cached, 0.15, 0.3)).toThrow(/schedule changed/)
  })
})
