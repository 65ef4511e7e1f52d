import { describe, expect, it } from 'vitest'
import { pairedSpeedup } from '../../src/report/paired.ts'
import { medianOfOthers } from '../../src/report/suspect.ts'
import type { RepeatTiming, RunRecord, TimingSession } from '../../src/run/record.ts'

/** A pairing of a run's rounds with its baseline's, from records alone (no Python). */
const session = (id: string): TimingSession => ({ id, host: 'h', pid: 1, started_at: `2026-01-0${id.length}T00:00:00Z`, rounds: 3, setting: 'auto', stop: 'interval' })
const round = (id: string | undefined, r: number | undefined, denoise: number, decode = 0): RepeatTiming => ({ denoise, decode, ...(id ? { session: id } : {}), ...(r ? { round: r } : {}) })
const record = (repeats: RepeatTiming[], sessions: string[] = []) =>
  ({ timings_s: { denoise: repeats[0]?.denoise ?? 1, decode: repeats[0]?.decode ?? 0 }, repeats, ...(sessions.length ? { timing: { sessions: sessions.map(session) } } : {}) }) as unknown as RunRecord

describe('pairedSpeedup', () => {
  it('pairs round r of the run with round r of its baseline in the run\'s session: a slow round hits both sides', () => {
    // Round 2 was slow for both (a busy spell): per-round ratios stay 2, medians of each would too, but
    // an unpaired slow round on one side only would not.
    const base = record([round('a', 1, 2), round('a', 2, 20), round('a', 3, 2.2)], ['a'])
    const run = record([round('a', 1, 1), round('a', 2, 10), round('a', 3, 1.1)], ['a'])
    const paired = pairedSpeedup(run, base)!
    expect(paired.ratios).toEqual([2, 2, 2])
    expect(paired.speedup).toBe(2)
    expect(paired.session?.id).toBe('a')
    expect(paired.interval).toMatchObject({ n: 3, low: 2, high: 2 })
  })

  it('in a grown sweep, pairs with the rounds of the session that timed the baseline again, not the old ones', () => {
    const base = record([round('a', 1, 4), round('a', 2, 4), round('bb', 1, 2), round('bb', 2, 2)], ['a', 'bb'])
    const run = record([round('bb', 1, 1), round('bb', 2, 1)], ['bb'])
    expect(pairedSpeedup(run, base)).toMatchObject({ speedup: 2, ratios: [2, 2], session: { id: 'bb' }, baseline: { latency: 2 } })
  })

  it('records from before rounds: the ratio of the two medians, with no interval and no session', () => {
    const base = record([round(undefined, undefined, 3), round(undefined, undefined, 1), round(undefined, undefined, 2)])
    const run = record([round(undefined, undefined, 1)])
    expect(pairedSpeedup(run, base)).toMatchObject({ speedup: 2, ratios: [2], interval: null, session: null })
  })

  it('a run whose session never timed its baseline falls back to the medians, unpaired', () => {
    const base = record([round('a', 1, 2)], ['a'])
    const run = record([round('bb', 1, 1)], ['bb'])
    expect(pairedSpeedup(run, base)).toMatchObject({ speedup: 2, session: null, interval: null })
  })

  it('leaves out timings that are not positive and finite, and has nothing to say without any', () => {
    const base = record([round('a', 1, 2), round('a', 2, Number.NaN)], ['a'])
    const run = record([round('a', 1, 1), round('a', 2, 1)], ['a'])
    expect(pairedSpeedup(run, base)!.ratios).toEqual([2])
    expect(pairedSpeedup(record([round('a', 1, 0)], ['a']), base)).toBeNull()
  })
})

describe('medianOfOthers', () => {
  it.each([
    { latencies: { a: 1, b: 2, c: 3, d: 10 }, id: 'd', median: 2, count: 3 },
    { latencies: { a: 1, b: 2, c: 3, d: 10 }, id: 'a', median: 3, count: 3 },
    { latencies: { a: 1, b: 2, c: 2, d: 10 }, id: 'b', median: 2, count: 3 },
    { latencies: { a: 4, b: 2 }, id: 'x', median: 3, count: 2 },
    { latencies: { a: 4 }, id: 'a', median: null, count: 0 },
  ])('every baseline but $id: $median', ({ latencies, id, median, count }) => {
    expect(medianOfOthers(new Map(Object.entries(latencies)), id)).toEqual({ median, count })
  })
})
