import type { RunRecord } from '../run/record.ts'
import { groupId, type RunSpec } from '../sweep/grid.ts'
import { isReferenceBaseline } from '../sweep/rounds.ts'
import { measuredSpeedup, type MeasuredSpeedup } from '../tune/measured.ts'
import { pairedSpeedup } from './paired.ts'

/**
 * The measured speedup `tune` ranks a candidate by: each completed cell `matches` picks in these
 * prompt groups paired, round by round, with its group's eager baseline (what every speedup of a
 * sweep is measured against, src/report/paired.ts), every round's ratio pooled.
 */
export function cellsSpeedup(
  runs: ReadonlyArray<{ spec: RunSpec; folder: { record: RunRecord | null } }>,
  matches: (spec: RunSpec) => boolean,
  groups: readonly number[],
): MeasuredSpeedup | null {
  const baselines = new Map(runs.filter((r) => isReferenceBaseline(r.spec) && r.folder.record).map((r) => [groupId(r.spec.promptIndex, r.spec.seed), r.folder.record!]))
  const ratios = runs.flatMap((r) => {
    const baseline = baselines.get(groupId(r.spec.promptIndex, r.spec.seed))
    const done = r.folder.record?.status === 'completed'
    const counted = done && baseline && !isReferenceBaseline(r.spec) && matches(r.spec) && groups.includes(r.spec.promptIndex)
    return counted ? (pairedSpeedup(r.folder.record!, baseline)?.ratios ?? []) : []
  })
  return measuredSpeedup(ratios)
}
