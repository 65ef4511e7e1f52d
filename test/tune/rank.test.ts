import { describe, expect, it } from 'vitest'
import { medianInterval } from '../../src/stats/interval.ts'
import type { MeasuredSpeedup } from '../../src/tune/measured.ts'
import { overlaps } from '../../src/tune/measured.ts'
import { rankContenders, type Contender } from '../../src/tune/rank.ts'
import { rankingNoteText } from '../../src/report/tuning.ts'

/** A made-up measured speedup: the median and interval of these per-round ratios. */
function m(...ratios: number[]): MeasuredSpeedup {
  const i = medianInterval(ratios)!
  return { speedup: i.median, interval: i.n >= 2 ? i : null, rounds: i.n }
}
const c = (id: string, order: number, pass: boolean, speedup: MeasuredSpeedup | null, extra: Partial<Contender> = {}): Contender => ({ id, family: 'teacache', order, compile: 'none', pass, speedup, ...extra })

describe('rankContenders: the passing candidate with the highest measured speedup', () => {
  it.each([
    {
      name: 'the most aggressive passing schedule measured fastest: chosen, no note',
      contenders: [c('t0.1', 0, true, m(1.2, 1.21, 1.22)), c('t0.2', 1, true, m(1.5, 1.52, 1.55)), c('t0.3', 2, false, m(1.9, 1.9, 1.95))],
      picks: [{ family: 'teacache', id: 't0.2' }],
      choice: 't0.2', notes: [],
    },
    {
      name: 'a failing candidate never wins, however fast',
      contenders: [c('t0.1', 0, true, m(1.1)), c('t0.3', 2, false, m(3))],
      picks: [{ family: 'teacache', id: 't0.1' }],
      choice: 't0.1', notes: [],
    },
    {
      name: 'a milder passing schedule that measured faster wins, and the note says the intervals overlap',
      contenders: [c('t0.1', 0, true, m(1.4, 1.5, 1.6)), c('t0.2', 1, true, m(1.35, 1.45, 1.55)), c('t0.3', 2, false, m(2))],
      picks: [{ family: 'teacache', id: 't0.2' }],
      choice: 't0.1', notes: [/t0\.1 measured faster \(1\.50x .*\) than t0\.2, the most aggressive candidate of its family that passes \(1\.45x .*\); the intervals overlap/],
    },
    {
      name: 'a milder one faster beyond noise: the intervals do not overlap',
      contenders: [c('t0.1', 0, true, m(2, 2.1, 2.2)), c('t0.2', 1, true, m(1.2, 1.25, 1.3))],
      picks: [{ family: 'teacache', id: 't0.2' }],
      choice: 't0.1', notes: [/the intervals do not overlap/],
    },
    {
      name: 'single rounds: no interval, so the note says the difference may be noise',
      contenders: [c('t0.1', 0, true, m(1.6)), c('t0.2', 1, true, m(1.5))],
      picks: [{ family: 'teacache', id: 't0.2' }],
      choice: 't0.1', notes: [/without an interval \(a single round\) the difference may be noise/],
    },
    {
      name: 'across families: the fastest passing wins; a close runner-up is named',
      contenders: [c('t0.2', 1, true, m(1.5, 1.6, 1.7)), c('fbc0.1', 3, true, m(1.55, 1.65, 1.75), { family: 'fbc' })],
      picks: [{ family: 'teacache', id: 't0.2' }, { family: 'fbc', id: 'fbc0.1' }],
      choice: 'fbc0.1', notes: [/runner-up, t0\.2 \(1\.60x .*\), overlaps the choice's interval/],
    },
    {
      name: 'compiled blocks win when they measured faster',
      contenders: [c('t0.2', 1, true, m(1.5, 1.5, 1.5)), c('t0.2', 1, true, m(2.4, 2.5, 2.6), { compile: 'blocks' })],
      picks: [{ family: 'teacache', id: 't0.2' }],
      choice: 't0.2+blocks', notes: [],
    },
    {
      name: 'equal speedups: the more aggressive, then eager, deterministically',
      contenders: [c('t0.1', 0, true, m(1.5, 1.5)), c('t0.2', 1, true, m(1.5, 1.5)), c('t0.2', 1, true, m(1.5, 1.5), { compile: 'blocks' })],
      picks: [{ family: 'teacache', id: 't0.2' }],
      choice: 't0.2+none', notes: [/runner-up, t0\.2 \(compiled blocks\)/],
    },
    {
      name: 'nothing timed: the most aggressive passing one, said so',
      contenders: [c('t0.1', 0, true, null), c('t0.2', 1, true, null)],
      picks: [{ family: 'teacache', id: 't0.2' }],
      choice: 't0.2', notes: [/No passing candidate has a trustworthy measurement to rank by/],
    },
    {
      name: 'nothing passes: no choice',
      contenders: [c('t0.1', 0, false, m(1.1))],
      picks: [],
      choice: null, notes: [],
    },
  ])('$name', ({ contenders, picks, choice, notes }) => {
    const ranking = rankContenders(contenders, picks)
    const id = ranking.choice && (choice?.includes('+') ? `${ranking.choice.id}+${ranking.choice.compile}` : ranking.choice.id)
    expect(id).toBe(choice)
    expect(ranking.notes).toHaveLength(notes.length)
    notes.forEach((note, i) => expect(rankingNoteText(ranking.notes[i])).toMatch(note))
    // Input order never decides: the same contenders reversed give the same choice.
    expect(rankContenders([...contenders].reverse(), picks).choice).toEqual(ranking.choice)
  })
})

describe('overlaps', () => {
  it.each([
    [m(1, 1.1, 1.2), m(1.15, 1.3, 1.4), true],
    [m(1, 1.1, 1.2), m(1.25, 1.3, 1.4), false],
    [m(1.1), m(1.1), true],
    [m(1.1), m(1, 1.2), true],
  ])('%#', (a, b, expected) => expect(overlaps(a, b)).toBe(expected))
})
