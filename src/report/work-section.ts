import { columnTitle, gigabytes, mdTable, speedup, workCell } from './format.ts'
import type { ColumnSummary, ReportData } from './summary.ts'

/**
 * "Work avoided": what each cached variant really skipped, from the counts inside the blocks
 * (run.json `compute`), beside its speedup and peak memory. A variant that ran all the work its
 * baseline ran did nothing here, whatever its timing says, and is named as such: a cache that
 * silently does nothing must not pass for a slow one.
 */
export function workSection(data: ReportData): string[] {
  const variants = data.columns.filter((c) => !c.reference && (c.threshold !== null || c.method !== null) && c.completed > 0)
  if (!variants.some((c) => c.work !== null)) return []
  const rows = variants.map((c) => [
    columnTitle(c),
    c.work ? workCell(c.work) : '—',
    c.idle > 0 ? `⚠ nothing, in ${c.idle} of ${c.completed} run(s)` : c.work ? 'yes' : '—',
    c.speedup === null ? '—' : speedup(c.speedup),
    c.memory === null ? '—' : gigabytes(c.memory),
  ])
  const idle = variants.filter((c) => c.idle > 0)
  return [
    '## Work avoided', '',
    'The share of the baseline\'s transformer work each variant really ran, counted inside the blocks on every run: batch rows through block bodies, ' +
      'through attention and through the feed-forward (classifier-free guidance runs two rows a step, so dropping the unconditional half shows). ' +
      'Counted on eager blocks only; — where a run was not counted.',
    '', mdTable(['variant', 'ran (blocks · attention · feed-forward)', 'avoided work', 'speedup', 'peak GPU memory (GB)'], rows), '',
    ...idle.map((c) => `- ⚠ ${columnTitle(c)} avoided nothing: ${idleCause(c)}.`),
    ...(idle.length ? [''] : []),
  ]
}

function idleCause(c: ColumnSummary): string {
  if (c.method) return 'at these parameters its condition to reuse was never met on this model (a threshold below what the model\'s changes reach, say); its speedup is timing noise'
  return c.threshold === 0 ? 'threshold 0 computes every step by design' : 'its threshold was never reached, so every step was computed'
}
