import { describe, expect, it } from 'vitest'
import { buildRuns } from '../../src/sweep/grid.ts'
import { cellsSpeedup, type RankedCell } from '../../src/report/tune-speedup.ts'
import { measuredSpeedup } from '../../src/tune/measured.ts'
import { measuredText } from '../../src/report/tuning.ts'

describe('measuredSpeedup: the median and interval of every tuning round\'s paired ratio', () => {
  it('one round: a speedup and no interval', () => expect(measuredSpeedup([2])).toEqual({ speedup: 2, interval: null, rounds: 1 }))
  it('nothing timed: null', () => expect(measuredSpeedup([])).toBeNull())
  it('a ratio that is no number is left out', () => expect(measuredSpeedup([2, NaN, Infinity, 3])).toMatchObject({ speedup: 2.5, rounds: 2 }))
})

describe('cellsSpeedup: the report\'s per-round ratios of the wanted cells, pooled over the tuning groups', () => {
  type Row = RankedCell['row']
  const row = (ratios: number[], extra: Partial<Row> = {}): Row => ({ status: 'completed', reference: false, ratios, suspect: null, ideal: null, ...extra })
  const suspect = { aboveIdeal: true } as unknown as Row['suspect']
  /** p0 and p1 at thresholds 0.1 and 0.2; `edit` changes t0.1's rows. */
  const cells = (edit: (promptIndex: number, r: Row) => Row = (_, r) => r): RankedCell[] =>
    buildRuns({ prompts: ['a', 'b'], seeds: [1], thresholds: [0.1, 0.2] }).map((spec) => ({
      spec,
      row: spec.threshold === null ? row([], { reference: true }) : spec.threshold === 0.2 ? row([4, 4]) : edit(spec.promptIndex, row(spec.promptIndex === 0 ? [2, 2, 2.5] : [3, 3, 2])),
    }))
  const t01 = (s: { threshold: number | null }) => s.threshold === 0.1

  it.each<{ what: string; groups: number[]; edit?: (p: number, r: Row) => Row; expected: { speedup: number; rounds: number } | null }>([
    { what: 'every round of p0 and p1', groups: [0, 1], expected: { speedup: 2.25, rounds: 6 } },
    { what: 'the tuning group p0 only (p1 held out)', groups: [0], expected: { speedup: 2, rounds: 3 } },
    { what: 'a suspect cell left out, as from a headline', groups: [0, 1], edit: (p, r) => (p === 1 ? { ...r, suspect } : r), expected: { speedup: 2, rounds: 3 } },
    { what: 'a cell not completed left out', groups: [0, 1], edit: (p, r) => (p === 0 ? { ...r, status: 'failed' } : r), expected: { speedup: 3, rounds: 3 } },
    { what: 'nothing trustworthy: null', groups: [0], edit: (_, r) => ({ ...r, suspect }), expected: null },
  ])('$what', ({ groups, edit, expected }) => {
    const m = cellsSpeedup(cells(edit), t01, groups)
    expect(m && { speedup: m.speedup, rounds: m.rounds }).toEqual(expected)
  })
})

describe('a measured speedup carries the most its cells\' schedules allow', () => {
  const cells: RankedCell[] = buildRuns({ prompts: ['a', 'b'], seeds: [1], thresholds: [0.1] }).map((spec) => ({
    spec,
    row: { status: 'completed', reference: spec.threshold === null, ratios: spec.threshold === null ? [] : [1.3], suspect: null, ideal: spec.threshold === null ? null : spec.promptIndex === 0 ? 1.2 : 1.25 },
  }))
  it('the largest ideal of the pooled cells, and the text flags a median above it', () => {
    const m = cellsSpeedup(cells, (s) => s.threshold === 0.1, [0, 1])!
    expect(m.ideal).toBe(1.25)
    expect(measuredText(m)).toMatch(/^1\.30x .*⚠ above the 1\.25x its schedule allows at most/)
    expect(measuredText({ ...m, speedup: 1.2 })).not.toContain('⚠')
    expect(measuredText({ speedup: 3, interval: null, rounds: 1 })).not.toContain('⚠')
  })
})
