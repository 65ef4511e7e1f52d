import { describe, expect, it } from 'vitest'
import { niceTicks, renderChart } from '../../src/report/chart.ts'
import type { ColumnSummary } from '../../src/report/summary.ts'

const column = (threshold: number | null, latency: number, psnr: number | null, ssim: number | null): ColumnSummary => ({
  threshold, completed: 1, total: 1,
  latency: { n: 1, mean: latency, sd: null }, denoise: { n: 1, mean: latency, sd: null }, decode: { n: 1, mean: 0, sd: null },
  speedup: null, computed: null,
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
    for (const label of ['322', '260', '204', '36.3', '15.0', '0.954', '0.517', '∞']) expect(svg).toContain(`>${label}</text>`)
    expect(svg).not.toMatch(/NaN|Infinity|undefined/)
  })

  it('says "no data" for a panel without values', () => {
    expect(renderChart([column(null, 1, null, null)])).toContain('>no data</text>')
  })

  it.each([
    { lo: 0, hi: 1, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] },
    { lo: 0, hi: 470, ticks: [0, 100, 200, 300, 400] },
    { lo: 14, hi: 37, ticks: [15, 20, 25, 30, 35] },
    { lo: 3, hi: 3, ticks: [3] },
  ])('niceTicks($lo, $hi)', ({ lo, hi, ticks }) => expect(niceTicks(lo, hi)).toEqual(ticks))
})
