import { join } from 'node:path'
import { variantTitle } from '../methods/variant.ts'
import { TUNED_CONFIG, type TuneChoice, type TuneRecord } from '../tune/output.ts'
import { measuredText, rankingNoteText } from './tuning.ts'

/**
 * What `teacache tune` prints when it is done (REPORT.md's Tuning section says it at length): the
 * choice and its measured speedup, the ranking's notes, the held-out check, the cost and where
 * the files are.
 */

/** "threshold 0.12 (5 of 8 steps computed)", "fbc0.2 (FirstBlockCache (0.2))", and compiled blocks where chosen. */
export function choiceLine(c: TuneChoice): string {
  const what = c.method ? `${c.id} (${variantTitle(c.method)})` : `threshold ${c.threshold} (${c.computed_steps} of ${c.steps} steps computed)`
  return `${what}${c.compile === 'blocks' ? ', compiled blocks' : ''}`
}

export function tuneSummary(record: TuneRecord, dir: string, report: string): string {
  const c = record.choice
  const lines = [
    '',
    c ? `chosen: ${choiceLine(c)}, measured ${measuredText(c.speedup)}, keeping ${record.gate_text} on every tuning prompt x seed` : `no setting keeps ${record.gate_text}`,
    ...record.ranking_notes.map(rankingNoteText),
    ...(record.held_out ? [`held-out prompts: the gate ${record.held_out.pass ? 'held' : 'did NOT hold'} (margins ${Object.entries(record.held_out.margin).map(([k, m]) => `${k} ${(m as number).toFixed(3)}`).join(', ')})`] : []),
    `cost: ${record.cost.generations} generations (search ${record.cost.search}, bound ${record.cost.bound}; a full sweep of the ${record.cost.schedules} candidates: ${record.cost.full_sweep})`,
    ...(c ? [`config: ${join(dir, TUNED_CONFIG)}`] : []),
    `report: ${report}`,
  ]
  return `${lines.join('\n')}\n`
}
