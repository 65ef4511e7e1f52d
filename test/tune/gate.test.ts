import { describe, expect, it } from 'vitest'
import { judge, parseGate } from '../../src/tune/gate.ts'

describe('parseGate', () => {
  it.each([
    ['psnr>=30,ssim>=0.92', [{ metric: 'psnr', op: '>=', value: 30 }, { metric: 'ssim', op: '>=', value: 0.92 }]],
    ['min_psnr >= 25 , lpips<=0.1', [{ metric: 'min_psnr', op: '>=', value: 25 }, { metric: 'lpips', op: '<=', value: 0.1 }]],
  ])('%s', (text, gate) => expect(parseGate(text)).toEqual(gate))

  it.each([
    ['', /expected metric>=value items/],
    ['psnr>30', /expected metric>=value or metric<=value, got "psnr>30"/],
    ['vmaf>=90', /unknown metric "vmaf"; expected psnr, min_psnr, ssim, lpips/],
    ['ssim>=1.5', /ssim>=1.5 is impossible: ssim lies in \[-1, 1\]/],
    ['psnr>=-3', /psnr>=-3 is impossible/],
    ['psnr<=30', /psnr must be at least a value/],
    ['lpips>=0.1', /lpips must be at most a value/],
    ['psnr>=30,psnr>=31', /psnr is given twice/],
    ['psnr>=abc', /impossible/],
  ])('refuses "%s" with exit 2', (text, message) => {
    expect(() => parseGate(text)).toThrow(message)
    try {
      parseGate(text)
    } catch (error) {
      expect(error).toMatchObject({ exitCode: 2 })
    }
  })
})

describe('judge', () => {
  const m = (psnr: number, ssim: number) => ({ psnr, ssim, min_psnr: psnr - 5, lpips: null })
  it('holds on the worst prompt x seed by default, and says by how much', () => {
    const gate = parseGate('psnr>=30,ssim>=0.9')
    expect(judge(gate, [m(35, 0.95), m(31, 0.91)])).toEqual({ pass: true, worst: { psnr: 31, ssim: 0.91 }, margin: { psnr: 1, ssim: expect.closeTo(0.01, 12) } })
    expect(judge(gate, [m(35, 0.95), m(29, 0.99)])).toMatchObject({ pass: false, margin: { psnr: -1 } })
  })
  it('an identical video passes any floor', () => expect(judge(parseGate('psnr>=60'), [m(Infinity, 1)]).pass).toBe(true))
  it('a quantile lets the worst few go', () => {
    const gate = parseGate('psnr>=30')
    const runs = [m(20, 1), m(31, 1), m(32, 1), m(33, 1)]
    expect(judge(gate, runs).pass).toBe(false)
    expect(judge(gate, runs, 0.25)).toMatchObject({ pass: true, worst: { psnr: 31 } })
  })
})
