import { access } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { collectSweep } from '../report/collect.ts'
import { buildReportData } from '../report/summary.ts'
import { MANIFEST } from '../sweep/manifest.ts'

/**
 * Whether a run folder's timing is one its sweep's report leaves out as suspect. A plan anchored
 * on such a run would print the very number the report refuses to show, so every figure the tool
 * prints rests on the same measurements. Null: not a sweep's run, or not suspect there.
 */
export async function suspectInSweep(runDir: string): Promise<string | null> {
  const dir = resolve(runDir)
  const sweep = dirname(dirname(dir))
  if (!(await access(join(sweep, MANIFEST)).then(() => true, () => false))) return null
  const collected = await collectSweep(sweep).catch(() => null)
  if (!collected) return null
  const id = `${basename(dirname(dir))}/${basename(dir)}`
  if (!collected.runs.some((r) => r.spec.id === id)) return null
  const data = buildReportData(collected, new Map(), { computed: false, weights: [], reason: 'not needed for a plan' })
  const row = data.runs.find((r) => r.id === id)
  return row?.suspect ? row.suspect.causes.join('; ') : null
}
