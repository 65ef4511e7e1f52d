import { describe, expect, it } from 'vitest'
import { niceTicks, renderChart, tickDecimals } from '../../src/report/chart.ts'
import type { ColumnSummary } from '../../src/report/summary.ts'

const column = (threshold: number | null, latency: number, psnr: number | null, ssim: number | null): ColumnSummary => ({
  threshold, compile: 'none', method: null, reference: threshold === null, completed: 1, total: 1, work: null, idle: 0,
  latency: { n: 1, mean: latency, sd: null }, denoise: { n: 1, mean: latency, sd: null }, decode: { n: 1, mean: 0, sd: null },
  speedup: null, interval: null, pairs: 0, spread: null, ideal: null, lower: null, excluded: 0, aboveIdeal: false, computed: null, repeats: null, memory: null,
  psnr: { n: psnr === null ? 0 : 1, mean: psnr, sd: null }, ssim: { n: ssim === null ? 0 : 1, mean: ssim, sd: null },
})

describe('chart.svg', () => {
  const svg = renderChart([column(null, 465, null, null), column(0.1, 322, Infinity, 1), column(0.2, 260, 36.3, 0.954), column(0.3, 204, 15, 0.517)])

  it('is one standalone SVG with three panels and a dashed baseline', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true)
    expect(svg.match(/<text [^>]*font-weight="bold">/g)).toHaveLength(3)
    expect(svg).toContain('baseline 465 s')
    expect(svg).toContain('stroke-dasharray')
  })

  it('plots every measured value, marks infinite PSNR apart and labels the points', () => {
    // latency 3 + PSNR 2 finite + SSIM 3 filled markers; one hollow marker for PSNR = ∞
    expect(svg.match(/<circle [^>]*fill="#ffffff"/g)).toHaveLength(1)
    expect(svg.match(/<circle /g)).toHaveLength(9)
    for (const label of ['322', '260', '204', '36.3', '15.0', '0.9540', '0.5170', '∞']) expect(svg).toContain(`>${label}</text>`)
    expect(svg).not.toMatch(/NaN|Infinity|undefined/)
  })

  it('says "no data" for a panel without values', () => {
    expect(renderChart([column(null, 1, null, null)])).toContain('>no data</text>')
  })

  // Axis ticks of one panel: the <text text-anchor="end"> labels left of the plot, in panel order.
  const yTickLabels = (chart: string, panel: number) => {
    const labels = [...chart.matchAll(/<text x="([\d.]+)" y="[\d.]+" text-anchor="end">([^<]*)<\/text>/g)]
    return labels.filter((m) => Number(m[1]) >= panel * 300 && Number(m[1]) < (panel + 1) * 300).map((m) => m[2])
  }

  it.each([
    { name: 'SSIM just below 1', ssim: [0.9995, 0.9992, 0.9998], psnr: [52.1, 50.3, 55.7], latency: [0.2, 0.18, 0.15] },
    { name: 'SSIM identical to 5 decimals', ssim: [0.99991, 0.99993, 0.99996], psnr: [60, 61, 62], latency: [465, 322, 260] },
    { name: 'latency in milliseconds', ssim: [0.9, 0.8, 0.7], psnr: [30, 25, 20], latency: [0.0131, 0.0122, 0.0118] },
  ])('axis ticks read as distinct numbers: $name', ({ ssim, psnr, latency }) => {
    const chart = renderChart([column(null, latency[0] * 1.3, null, null), ...ssim.map((s, i) => column(0.1 * (i + 1), latency[i], psnr[i], s))])
    for (const panel of [0, 1, 2]) {
      const ticks = yTickLabels(chart, panel)
      expect(ticks.length).toBeGreaterThan(1)
      expect(new Set(ticks).size).toBe(ticks.length)
    }
    // Every SSIM tick is the value it stands for, to its own decimals.
    for (const t of yTickLabels(chart, 2)) expect(Number(t).toFixed(t.split('.')[1]?.length ?? 0)).toBe(t)
  })

  it.each([
    { step: 100, decimals: 0 },
    { step: 5, decimals: 0 },
    { step: 0.25, decimals: 2 },
    { step: 0.2, decimals: 1 },
    { step: 0.0002, decimals: 4 },
    { step: 0.00025, decimals: 5 },
    { step: 0.1 + 0.2, decimals: 1 },
  ])('tickDecimals($step) = $decimals', ({ step, decimals }) => expect(tickDecimals(step)).toBe(decimals))

  it.each([
    { lo: 0, hi: 1, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] },
    { lo: 0, hi: 470, ticks: [0, 100, 200, 300, 400] },
    { lo: 14, hi: 37, ticks: [15, 20, 25, 30, 35] },
    { lo: 3, hi: 3, ticks: [3] },
  ])('niceTicks($lo, $hi)', ({ lo, hi, ticks }) => expect(niceTicks(lo, hi)).toEqual(ticks))
})
