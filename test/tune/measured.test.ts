import { describe, expect, it } from 'vitest'
import type { RunRecord } from '../../src/run/record.ts'
import { buildRuns } from '../../src/sweep/grid.ts'
import { cellsSpeedup } from '../../src/report/tune-speedup.ts'
import { measuredSpeedup } from '../../src/tune/measured.ts'

/** A record timed in `session`'s rounds with these latencies (denoise only), as the runner writes them. */
function record(session: string, latencies: number[], own = true): RunRecord {
  return {
    status: 'completed',
    repeats: latencies.map((l, i) => ({ denoise: l, decode: 0, session, round: i + 1 })),
    timing: own ? { sessions: [{ id: session, host: 'h', pid: 1, started_at: '', rounds: latencies.length, setting: 'auto', stop: 'interval' }] } : undefined,
    timings_s: { denoise: latencies[0], decode: 0 },
  } as unknown as RunRecord
}

describe('measuredSpeedup: the median and interval of every tuning round\'s paired ratio', () => {
  it('one round: a speedup and no interval', () => expect(measuredSpeedup([2])).toEqual({ speedup: 2, interval: null, rounds: 1 }))
  it('nothing timed: null', () => expect(measuredSpeedup([])).toBeNull())
  it('a ratio that is no number is left out', () => expect(measuredSpeedup([2, NaN, Infinity, 3])).toMatchObject({ speedup: 2.5, rounds: 2 }))
})

describe('cellsSpeedup', () => {
  it('pools the rounds of every group, each against its own baseline of the same round', () => {
    const [p0, p1] = [record('s1', [10, 10, 10]), record('s2', [20, 22, 20])]
    const cells = buildRuns({ prompts: ['a', 'b'], seeds: [1], thresholds: [0.1] }).map((spec) => ({
      spec,
      folder: { record: spec.threshold === null ? (spec.promptIndex === 0 ? p0 : p1) : spec.promptIndex === 0 ? record('s1', [5, 5, 4]) : record('s2', [10, 11, 8]) },
    }))
    const m = cellsSpeedup(cells, (s) => s.threshold === 0.1, [0, 1])!
    expect(m.rounds).toBe(6)
    expect(m.speedup).toBe(2)
    expect(m.interval).toMatchObject({ n: 6, low: 2, high: 2.5 })
  })

  const runs = buildRuns({ prompts: ['a', 'b'], seeds: [1], thresholds: [0.1, 0.2] }).map((spec) => ({
    spec,
    folder: { record: spec.threshold === null ? record('s', [12, 12]) : spec.threshold === 0.1 ? record('s', spec.promptIndex === 0 ? [6, 6] : [4, 4]) : record('s', [3, 3]) },
  }))
  it.each([
    { what: 't0.1 on p0', groups: [0], speedup: 2 },
    { what: 't0.1 on p0 and p1', groups: [0, 1], speedup: 2.5 },
    { what: 't0.1 on the held-out p1 only', groups: [1], speedup: 3 },
  ])('$what', ({ groups, speedup }) => {
    expect(cellsSpeedup(runs, (s) => s.threshold === 0.1, groups)?.speedup).toBe(speedup)
  })
})
