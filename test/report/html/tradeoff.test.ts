import { describe, expect, it } from 'vitest'
import { paretoFront, renderTradeoff, type TradeoffPoint } from '../../../src/report/html/tradeoff.ts'

const point = (name: string, speedup: number, quality: number, interval: TradeoffPoint['interval'] = null): TradeoffPoint => ({ name, speedup, quality, interval })

describe('the speed-quality front', () => {
  it.each([
    { name: 'faster and worse: both on the front', points: [[1.2, 40], [1.6, 34]], front: [0, 1] },
    { name: 'one beaten on both counts', points: [[1.2, 40], [1.6, 34], [1.4, 33]], front: [0, 1] },
    { name: 'as fast and better beats', points: [[1.5, 30], [1.5, 31]], front: [1] },
    { name: 'equal points both stay', points: [[1.5, 30], [1.5, 30]], front: [0, 1] },
    { name: 'identical to the baseline (∞) is the best quality', points: [[1.0, Infinity], [1.3, 45], [1.2, 50]], front: [0, 1, 2] },
    { name: 'nothing', points: [], front: [] },
  ])('$name', ({ points, front }) => {
    expect(paretoFront(points.map(([speedup, quality]) => ({ speedup, quality })))).toEqual(front)
  })

  it('marks the front, draws intervals, and escapes names', () => {
    const svg = renderTradeoff([point('t=0.1', 1.2, 40, { low: 1.1, high: 1.3 }), point('<fbc>', 1.1, 30), point('t=0.2', 1.6, 34)], { title: 'PSNR (dB)', format: (y) => y.toFixed(2) })
    expect(svg.match(/class="point pareto"/g)).toHaveLength(2)
    expect(svg.match(/class="point"/g)).toHaveLength(1)
    expect(svg).toContain('data-name="&lt;fbc&gt;"')
    expect(svg).not.toContain('<fbc>')
    expect(svg).toContain('class="front"')
    // The interval is a horizontal bar at the point's height.
    expect(svg).toMatch(/<line x1="[\d.]+" x2="[\d.]+" y1="([\d.]+)" y2="\1" stroke="#1f6fb4"/)
  })

  it('says so when no column has the numbers yet', () => {
    expect(renderTradeoff([], { title: 'SSIM', format: String })).toContain('no column has both a speedup and this metric yet')
  })
})
