import { stat } from '../columns.ts'
import { columnName, columnTitle, decibels, meanSd, speedup, ssimValue } from '../format.ts'
import { latencyFormat, sameColumn } from '../latency.ts'
import type { ColumnSummary, ReportData } from '../summary.ts'
import { escapeHtml } from './escape.ts'

/** The across-variants tables of REPORT.html: one row per column, and the schedule strip (pure). */
export const flickerValue = (x: number) => x.toFixed(3)

/** A column's speedup with its interval; '—' where either is absent. */
export function speedupText(c: Pick<ColumnSummary, 'speedup' | 'interval'>): { value: string; interval: string } {
  if (c.speedup === null) return { value: '—', interval: '—' }
  return { value: speedup(c.speedup), interval: c.interval ? `${speedup(c.interval.low)}–${speedup(c.interval.high)}` : '—' }
}

/** Mean ± sd of the column's per-run temporal figures. */
export function columnFlicker(data: ReportData, c: ColumnSummary): string {
  return meanSd(stat(data.runs.filter((r) => sameColumn(r, c) && r.flicker !== null).map((r) => r.flicker!)), flickerValue)
}

const table = (header: string[], rows: string[][], cls: string) =>
  `<table class="${cls}"><thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>` +
  `<tbody>${rows.map((r) => `<tr>${r.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('')}</tbody></table>`

export function latencyTable(data: ReportData): string {
  const f = latencyFormat(data)
  const rows = data.columns.map((c) => {
    const s = speedupText(c)
    return [
      columnTitle(c), `${c.completed}/${c.total}`, meanSd(c.latency, f),
      c.reference ? '1.00x (reference)' : s.value, c.reference ? '' : s.interval,
      c.ideal === null ? '—' : speedup(c.ideal),
      c.computed ? `${c.computed.min === c.computed.max ? c.computed.min : `${c.computed.min}–${c.computed.max}`}/${c.computed.steps}` : '—',
      c.reference ? '' : meanSd(c.psnr, decibels), c.reference ? '' : meanSd(c.ssim, ssimValue), c.reference ? '' : columnFlicker(data, c),
    ]
  })
  const header = ['column', 'completed', 'latency (s), mean ± sd', 'speedup', 'interval', 'ideal', 'computed steps', 'PSNR (dB)', 'SSIM', 'flicker (levels)']
  return table(header, rows, 'latency')
}

/** One row per column and schedule: a cell per denoising step, computed, partly reused or skipped. */
export function scheduleStrip(data: ReportData): string {
  const rows: string[] = []
  for (const c of data.columns) {
    const patterns = new Map<string, { cells: number[]; groups: string[] }>()
    for (const r of data.runs) {
      if (!sameColumn(r, c) || !r.schedule) continue
      const cells = r.method && r.stepWork ? r.stepWork : r.schedule.map((computed) => (computed ? 1 : 0))
      const key = cells.join(',')
      const entry = patterns.get(key) ?? { cells, groups: [] }
      entry.groups.push(r.group)
      patterns.set(key, entry)
    }
    for (const { cells, groups } of patterns.values()) {
      const strip = cells.map((share, i) => `<span class="step ${share >= 1 ? 'on' : share <= 0 ? 'off' : 'part'}" title="step ${i}"></span>`).join('')
      const computed = cells.filter((x) => x >= 1).length
      const which = patterns.size > 1 ? ` <span class="groups">${escapeHtml(groups.join(', '))}</span>` : ''
      rows.push(`<tr><th>${escapeHtml(columnName(c))}</th><td class="strip">${strip}</td><td>${computed}/${cells.length}${which}</td></tr>`)
    }
  }
  if (rows.length === 0) return '<p>No run has finished yet.</p>'
  return `<table class="schedule"><tbody>${rows.join('')}</tbody></table>`
}
