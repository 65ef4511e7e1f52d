import { describe, expect, it } from 'vitest'
import { AUTO, describeRepeats, describeStop, nextRound, parseRepeats, type Repeats, type RoundState } from '../../src/run/repeats.ts'
import type { MedianInterval } from '../../src/stats/interval.ts'

const interval = (low: number, high: number, n = 6): MedianInterval => ({ n, median: 1, low, high, coverage: 0.97 })
const state = (over: Partial<RoundState>): RoundState => ({ rounds: 1, elapsed: 1, lastRound: 1, slowestGeneration: 0.2, intervals: [interval(0.9, 1.1)], ...over })

describe('nextRound: how many timing rounds a group gets', () => {
  it.each<[string, Repeats, Partial<RoundState>, ReturnType<typeof nextRound>]>([
    ['a count is a count, whatever the times', 3, { rounds: 2, slowestGeneration: 500 }, { go: true }],
    ['a count ends at its count', 3, { rounds: 3, intervals: [null] }, { go: false, stop: 'fixed' }],
    ['auto: one round for a generation of minutes (the full-size model)', 'auto', { rounds: 1, slowestGeneration: AUTO.longGeneration }, { go: false, stop: 'long-generation' }],
    ['auto: at least the minimum, however narrow', 'auto', { rounds: AUTO.minRounds - 1, intervals: [interval(1, 1)] }, { go: true }],
    ['auto: stops once every interval is within ±5%', 'auto', { rounds: AUTO.minRounds, intervals: [interval(0.96, 1.04), interval(0.99, 1.05)] }, { go: false, stop: 'interval' }],
    ['auto: one wide interval keeps it going', 'auto', { rounds: AUTO.minRounds, intervals: [interval(0.96, 1.04), interval(0.9, 1.01)] }, { go: true }],
    ['auto: a variant not measurable yet keeps it going', 'auto', { rounds: AUTO.minRounds, intervals: [interval(0.99, 1.01), null] }, { go: true }],
    ['auto: no variant (a baseline alone) stops at the minimum', 'auto', { rounds: AUTO.minRounds, intervals: [] }, { go: false, stop: 'interval' }],
    ['auto: the round cap', 'auto', { rounds: AUTO.maxRounds, intervals: [interval(0.5, 2)] }, { go: false, stop: 'round-cap' }],
    ['auto: the time cap, before a round that would pass it', 'auto', { rounds: 7, elapsed: AUTO.maxSeconds - 5, lastRound: 6, intervals: [interval(0.5, 2)] }, { go: false, stop: 'time-cap' }],
    ['auto: a round that still fits', 'auto', { rounds: 7, elapsed: AUTO.maxSeconds - 5, lastRound: 4, intervals: [interval(0.5, 2)] }, { go: true }],
  ])('%s', (_name, setting, over, expected) => {
    expect(nextRound(setting, state(over))).toEqual(expected)
  })
})

describe('parseRepeats', () => {
  it.each<[string | number, Repeats]>([['auto', 'auto'], ['1', 1], ['100', 100], [5, 5]])('%s', (value, expected) => {
    expect(parseRepeats(value)).toBe(expected)
  })

  it.each(['0', '101', '1.5', '', 'many', 'AUTO'])('refuses "%s", naming the flag', (value) => {
    expect(() => parseRepeats(value)).toThrow(`--repeats: expected auto or an integer from 1 to 100, got "${value}"`)
  })
})

describe('what the setting and the stop say', () => {
  it('auto names both caps and the interval it aims for', () => {
    const text = describeRepeats('auto')
    expect(text).toContain(`${AUTO.maxRounds} rounds`)
    expect(text).toContain(`${AUTO.maxSeconds} s`)
    expect(text).toContain('±5%')
  })
  it.each<[Repeats, string]>([[1, '1 timing round per prompt x seed group'], [4, '4 timing rounds per prompt x seed group']])('%s', (setting, text) => {
    expect(describeRepeats(setting)).toBe(text)
  })
  it.each(['fixed', 'interval', 'round-cap', 'time-cap', 'long-generation', 'interrupted', 'failed', 'running'] as const)('%s has words', (stop) => {
    expect(describeStop(stop).length).toBeGreaterThan(5)
  })
  it('a single round says the speedup comes from one pair', () => expect(describeStop('long-generation')).toContain('one pair'))
})
