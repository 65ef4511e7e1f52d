import { niceTicks, tickDecimals } from '../chart.ts'
import { escapeHtml } from './escape.ts'

/**
 * Speed against quality across a sweep's columns, one SVG panel per quality metric, with the
 * Pareto front marked: the columns no other column beats on both speedup and quality (pure).
 */
export interface TradeoffPoint {
  name: string
  speedup: number
  /** The speedup's interval where the data has one. */
  interval: { low: number; high: number } | null
  /** +Infinity for a column identical to the baseline (PSNR). */
  quality: number
}

/** Indices of the points on the front: no other point is at least as fast and as good, and better in one. */
export function paretoFront(points: readonly Pick<TradeoffPoint, 'speedup' | 'quality'>[]): number[] {
  const dominated = (p: (typeof points)[number], q: (typeof points)[number]) =>
    q.speedup >= p.speedup && q.quality >= p.quality && (q.speedup > p.speedup || q.quality > p.quality)
  return points.flatMap((p, i) => (points.some((q) => dominated(p, q)) ? [] : [i]))
}

const SIZE = { width: 420, height: 300, left: 58, right: 18, top: 30, bottom: 44 }
const n = (v: number) => Number(v.toFixed(1)).toString()

export function renderTradeoff(points: readonly TradeoffPoint[], metric: { title: string; format(y: number): string }): string {
  const { width, height, left, right, top, bottom } = SIZE
  const plotW = width - left - right
  const plotH = height - top - bottom
  const xs = points.flatMap((p) => [p.speedup, p.interval?.low ?? p.speedup, p.interval?.high ?? p.speedup]).concat(1)
  const ys = points.map((p) => p.quality).filter(Number.isFinite)
  const [x0, x1] = pad(Math.min(...xs), Math.max(...xs))
  const [y0, y1raw] = ys.length ? pad(Math.min(...ys), Math.max(...ys)) : [0, 1]
  // Room above the finite values for identical columns (∞), drawn on the top edge.
  const y1 = points.some((p) => !Number.isFinite(p.quality)) ? y1raw + (y1raw - y0) * 0.15 : y1raw
  const sx = (x: number) => left + ((x - x0) / (x1 - x0)) * plotW
  const sy = (y: number) => (Number.isFinite(y) ? top + plotH - ((y - y0) / (y1 - y0)) * plotH : top + 6)
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="tradeoff" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(metric.title)} against speedup">`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-weight="bold">${escapeHtml(metric.title)} against speedup</text>`,
    `<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
  ]
  const xt = niceTicks(x0, x1, 5)
  const xd = xt.length > 1 ? tickDecimals(xt[1] - xt[0]) : 2
  for (const t of xt) parts.push(`<text x="${n(sx(t))}" y="${top + plotH + 16}" text-anchor="middle">${t.toFixed(xd)}x</text>`)
  const yt = niceTicks(y0, y1raw, 4)
  const yd = yt.length > 1 ? tickDecimals(yt[1] - yt[0]) : 2
  for (const t of yt) {
    parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${n(sy(t))}" y2="${n(sy(t))}" stroke="#e4e4e4"/>`)
    parts.push(`<text x="${left - 4}" y="${n(sy(t) + 4)}" text-anchor="end">${t.toFixed(yd)}</text>`)
  }
  parts.push(`<text x="${left + plotW / 2}" y="${height - 8}" text-anchor="middle">speedup over the baseline (interval where measured)</text>`)
  if (x0 <= 1 && x1 >= 1) parts.push(`<line x1="${n(sx(1))}" x2="${n(sx(1))}" y1="${top}" y2="${top + plotH}" stroke="#888" stroke-dasharray="4 4"/>`)
  const front = new Set(paretoFront(points))
  const onFront = points.map((p, i) => ({ p, i })).filter(({ i }) => front.has(i)).sort((a, b) => a.p.speedup - b.p.speedup)
  if (onFront.length > 1) {
    parts.push(`<polyline class="front" fill="none" stroke="#c0392b" stroke-width="1.5" stroke-dasharray="6 3" points="${onFront.map(({ p }) => `${n(sx(p.speedup))},${n(sy(p.quality))}`).join(' ')}"/>`)
  }
  points.forEach((p, i) => {
    const [cx, cy] = [sx(p.speedup), sy(p.quality)]
    if (p.interval) parts.push(`<line x1="${n(sx(p.interval.low))}" x2="${n(sx(p.interval.high))}" y1="${n(cy)}" y2="${n(cy)}" stroke="#1f6fb4" stroke-width="1.5"/>`)
    const marked = front.has(i)
    parts.push(`<circle class="point${marked ? ' pareto' : ''}" data-name="${escapeHtml(p.name)}" cx="${n(cx)}" cy="${n(cy)}" r="4.5" fill="${marked ? '#c0392b' : '#ffffff'}" stroke="${marked ? '#c0392b' : '#1f6fb4'}" stroke-width="1.5"><title>${escapeHtml(`${p.name}: ${p.speedup.toFixed(2)}x, ${metric.format(p.quality)}`)}</title></circle>`)
    parts.push(`<text x="${n(cx + 7)}" y="${n(cy - 6)}">${escapeHtml(p.name)}</text>`)
  })
  if (points.length === 0) parts.push(`<text x="${left + plotW / 2}" y="${top + plotH / 2}" text-anchor="middle" fill="#999">no column has both a speedup and this metric yet</text>`)
  parts.push('</svg>')
  return parts.join('\n')
}

function pad(lo: number, hi: number): [number, number] {
  const margin = (hi - lo || Math.abs(hi) || 1) * 0.1
  return [lo - margin, hi + margin]
}
