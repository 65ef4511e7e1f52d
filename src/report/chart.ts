import type { ColumnSummary } from './summary.ts'

/**
 * chart.svg: mean latency, PSNR and SSIM against threshold, three small panels in one
 * hand-written SVG (GitHub renders SVG images linked from markdown; no chart library needed).
 * The baseline is a dashed line in the latency panel; PSNR of +Infinity (identical to the
 * baseline) is drawn on the panel's top edge and labelled ∞.
 */
const PANEL = { width: 300, height: 230, left: 52, right: 14, top: 34, bottom: 40 }
const COLORS = { latency: '#1f6fb4', psnr: '#c0392b', ssim: '#27864a', baseline: '#666666' }

interface Series {
  title: string
  unit: string
  color: string
  points: Array<{ x: number; y: number }>
  reference?: { y: number; label: string }
  format(y: number): string
}

export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo]
  const raw = (hi - lo) / count
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw
  const ticks: number[] = []
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)))
  return ticks
}

/**
 * Decimals that tell ticks `step` apart (0.0002 -> 4, 0.25 -> 2, 50 -> 0): a fixed format per
 * panel would print SSIM ticks 0.9992, 0.9994, ... all as "0.999" or "1.000".
 */
export function tickDecimals(step: number): number {
  if (!(step > 0) || !Number.isFinite(step)) return 0
  for (let d = 0; d < 12; d++) {
    const scaled = step * 10 ** d
    if (Math.abs(scaled - Math.round(scaled)) < 1e-6 * Math.max(1, scaled)) return d
  }
  return 12
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const n = (v: number) => Number(v.toFixed(1)).toString()

function panel(series: Series, xMax: number, offsetX: number): string {
  const { width, height, left, right, top, bottom } = PANEL
  const plotW = width - left - right
  const plotH = height - top - bottom
  const finite = [...series.points.map((p) => p.y), ...(series.reference ? [series.reference.y] : [])].filter(Number.isFinite)
  let lo = finite.length ? Math.min(...finite) : 0
  let hi = finite.length ? Math.max(...finite) : 1
  if (series.unit === 's') lo = 0
  const pad = (hi - lo || Math.abs(hi) || 1) * 0.12
  // Room above the finite values for the band where infinite ones are marked.
  hi += series.points.some((p) => !Number.isFinite(p.y)) ? pad * 3 : pad
  lo = series.unit === 's' ? 0 : lo - pad
  const sx = (x: number) => offsetX + left + (x / xMax) * plotW
  const sy = (y: number) => top + plotH - ((Math.min(y, hi) - lo) / (hi - lo)) * plotH
  const parts: string[] = [
    `<text x="${n(offsetX + width / 2)}" y="18" text-anchor="middle" font-weight="bold">${esc(series.title)}</text>`,
    `<rect x="${n(offsetX + left)}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
  ]
  const yTicks = niceTicks(lo, hi, 4)
  const decimals = yTicks.length > 1 ? tickDecimals(yTicks[1] - yTicks[0]) : null
  for (const t of yTicks) {
    if (t < lo || t > hi) continue
    parts.push(`<line x1="${n(offsetX + left)}" x2="${n(offsetX + left + plotW)}" y1="${n(sy(t))}" y2="${n(sy(t))}" stroke="#e4e4e4"/>`)
    parts.push(`<text x="${n(offsetX + left - 4)}" y="${n(sy(t) + 4)}" text-anchor="end">${esc(decimals === null ? series.format(t) : t.toFixed(decimals))}</text>`)
  }
  const xTicks = niceTicks(0, xMax, 4)
  const xDecimals = xTicks.length > 1 ? tickDecimals(xTicks[1] - xTicks[0]) : 0
  for (const t of xTicks) {
    parts.push(`<text x="${n(sx(t))}" y="${top + plotH + 16}" text-anchor="middle">${esc(xTicks.length > 1 ? t.toFixed(xDecimals) : String(t))}</text>`)
  }
  parts.push(`<text x="${n(offsetX + left + plotW / 2)}" y="${height - 6}" text-anchor="middle">threshold (rel_l1_thresh)</text>`)
  if (series.reference) {
    const y = n(sy(series.reference.y))
    parts.push(`<line x1="${n(offsetX + left)}" x2="${n(offsetX + left + plotW)}" y1="${y}" y2="${y}" stroke="${COLORS.baseline}" stroke-dasharray="5 4"/>`)
    parts.push(`<text x="${n(offsetX + left + plotW - 4)}" y="${n(sy(series.reference.y) - 5)}" text-anchor="end" fill="${COLORS.baseline}">${esc(series.reference.label)}</text>`)
  }
  const pts = series.points.filter((p) => Number.isFinite(p.y)).map((p) => ({ ...p, px: sx(p.x), py: sy(p.y) }))
  if (pts.length > 1) parts.push(`<polyline fill="none" stroke="${series.color}" stroke-width="2" points="${pts.map((p) => `${n(p.px)},${n(p.py)}`).join(' ')}"/>`)
  for (const p of pts) {
    parts.push(`<circle cx="${n(p.px)}" cy="${n(p.py)}" r="3.5" fill="${series.color}"/>`)
    parts.push(`<text x="${n(p.px)}" y="${n(p.py - 8)}" text-anchor="middle" fill="${series.color}">${esc(series.format(p.y))}</text>`)
  }
  // Infinite values (identical to the baseline) have no place on the axis: hollow markers on the top edge, unconnected.
  for (const p of series.points.filter((q) => !Number.isFinite(q.y))) {
    parts.push(`<circle cx="${n(sx(p.x))}" cy="${top + 6}" r="3.5" fill="#ffffff" stroke="${series.color}" stroke-width="1.5"/>`)
    parts.push(`<text x="${n(sx(p.x) + 7)}" y="${top + 10}" fill="${series.color}">${esc(series.format(p.y))}</text>`)
  }
  if (series.points.length === 0) parts.push(`<text x="${n(offsetX + left + plotW / 2)}" y="${n(top + plotH / 2)}" text-anchor="middle" fill="#999">no data</text>`)
  return parts.join('\n  ')
}

export function renderChart(all: readonly ColumnSummary[]): string {
  // Threshold is the x axis: one series, the reference baseline's blocks (eager when the grid has both).
  const mode = all.find((c) => c.reference)?.compile ?? all[0]?.compile
  // diffusers' caches have no threshold axis: they are in the report's tables only.
  const columns = all.filter((c) => c.compile === mode && !c.method)
  const cached = columns.filter((c) => c.threshold !== null) as Array<ColumnSummary & { threshold: number }>
  const xMax = Math.max(...cached.map((c) => c.threshold), 0) * 1.08 || 1
  const baseline = columns.find((c) => c.threshold === null)?.latency.mean ?? null
  const point = (c: ColumnSummary & { threshold: number }, y: number | null) => (y === null ? [] : [{ x: c.threshold, y }])
  const series: Series[] = [
    {
      title: 'Latency, mean (s)', unit: 's', color: COLORS.latency,
      points: cached.flatMap((c) => point(c, c.latency.mean)),
      reference: baseline === null ? undefined : { y: baseline, label: `baseline ${baseline.toPrecision(3)} s` },
      format: (y) => y.toPrecision(3),
    },
    { title: 'PSNR vs baseline, mean (dB)', unit: 'dB', color: COLORS.psnr, points: cached.flatMap((c) => point(c, c.psnr.mean)), format: (y) => (y === Infinity ? '∞' : y.toFixed(1)) },
    { title: 'SSIM vs baseline, mean', unit: '', color: COLORS.ssim, points: cached.flatMap((c) => point(c, c.ssim.mean)), format: (y) => y.toFixed(4) },
  ]
  const width = PANEL.width * series.length
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${PANEL.height}" viewBox="0 0 ${width} ${PANEL.height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    '  <title>Latency and quality against TeaCache threshold</title>',
    `  <rect width="${width}" height="${PANEL.height}" fill="#ffffff"/>`,
    ...series.map((s, i) => `  ${panel(s, xMax, i * PANEL.width)}`),
    '</svg>',
    '',
  ].join('\n')
}
