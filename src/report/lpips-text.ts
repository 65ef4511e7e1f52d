import { stat } from './columns.ts'
import { columnName, meanSd } from './format.ts'
import { sameColumn } from './latency.ts'
import type { ReportData } from './summary.ts'

/** The reports' LPIPS sentence: each column's mean over its runs when computed, else why not (pure). */
export const lpipsValue = (x: number) => x.toFixed(4)

export function lpipsText(data: ReportData): string {
  const l = data.lpips
  if (!l.computed) return `LPIPS: not computed: ${l.reason}.`
  const columns = data.columns.filter((c) => !c.reference).map((c) => {
    const values = data.runs.filter((r) => sameColumn(r, c) && l.runs[r.id]).map((r) => l.runs[r.id].mean)
    return `${columnName(c)} ${meanSd(stat(values), lpipsValue)}`
  })
  return `LPIPS (${l.backend}; 0 for identical frames, higher for more perceptual difference), mean over frames, then mean ± sd over prompts and seeds: ${columns.join('; ') || 'no measured pair'}.`
}
