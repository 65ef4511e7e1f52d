import { describe, expect, it } from 'vitest'
import { calibrationSvg, niceTicks } from '../../src/calibrate/plot.ts'

describe('niceTicks', () => {
  it.each([
    [0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1]],
    [0, 0.27, [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3]],
    [-3, 7, [-4, -2, 0, 2, 4, 6, 8]],
    [5, 5, [5, 6, 7, 8, 9, 10]],
  ])('[%s, %s] -> %j', (lo, hi, ticks) => {
    expect(niceTicks(lo, hi)).toEqual(ticks)
  })
})

describe('calibrationSvg', () => {
  const svg = calibrationSvg({ xs: [0.1, 0.2, 0.3], ys: [0.5, 0.7, 0.6], coefficients: [0, 0, -10, 5, 0], title: 'tiny: R² 0.9 <fit>' })

  it('draws every pair, the fitted curve and the legend', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true)
    // Three pairs plus the legend's marker.
    expect(svg.match(/<circle /g)).toHaveLength(4)
    const points = /<polyline [^>]*points="([^"]+)"/.exec(svg)![1].split(' ')
    expect(points).toHaveLength(121)
    expect(points.every((p) => /^\d+\.\d,\d+\.\d$/.test(p))).toBe(true)
  })

  it('escapes text', () => {
    expect(svg).toContain('tiny: R² 0.9 &lt;fit&gt;')
  })
})
