import type { RunSpec } from '../sweep/grid.ts'
import { measuredSpeedup, type MeasuredSpeedup } from '../tune/measured.ts'
import type { RunRow } from './types.ts'

/** A cell as tune ranks it: its spec, and its row of the report (src/report/summary.ts). */
export interface RankedCell {
  spec: RunSpec
  row: Pick<RunRow, 'status' | 'reference' | 'ratios' | 'suspect' | 'ideal'>
}

/**
 * The measured speedup `tune` ranks a candidate by: the per-round ratios of each completed cell
 * `matches` picks in these prompt groups, paired with its group's eager baseline as the report
 * pairs them, pooled. A cell the report finds suspect (above what its schedule allows, below
 * what it must reach, or paired across processes) is left out, as from a headline: a choice
 * must not rest on a measurement that cannot have happened. A pooled median can still pass the
 * ideal by less than the suspicion's margin: the ideal goes with it, and the text says so.
 */
export function cellsSpeedup(cells: readonly RankedCell[], matches: (spec: RunSpec) => boolean, groups: readonly number[]): MeasuredSpeedup | null {
  const counted = cells.filter(({ spec, row }) => row.status === 'completed' && !row.reference && row.suspect === null && matches(spec) && groups.includes(spec.promptIndex))
  // A pooled median above the largest of the cells' ideals is more than any of their schedules allows.
  const ideals = counted.flatMap(({ row }) => (row.ideal === null ? [] : [row.ideal]))
  return measuredSpeedup(counted.flatMap(({ row }) => row.ratios), ideals.length ? Math.max(...ideals) : null)
}
