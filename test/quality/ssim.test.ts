import { describe, expect, it } from 'vitest'
import type { Frame } from '../../src/quality/png.ts'
import { SSIM_K1, SSIM_K2, SSIM_SIGMA, gaussianKernel, luma, ssim, ssimPlane, windowFor } from '../../src/quality/ssim.ts'

const grey = (width: number, height: number, value: (x: number, y: number) => number): Frame => {
  const rgb = new Uint8Array(width * height * 3)
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rgb.fill(value(x, y), (y * width + x) * 3, (y * width + x) * 3 + 3)
  return { width, height, rgb }
}
const noise = (seed: number) => (x: number, y: number) => (x * 73 + y * 151 + seed * 29 + ((x * y) % 7) * 17) % 256

describe('ssim', () => {
  it('is exactly 1 for identical frames', () => {
    const a = grey(32, 24, noise(1))
    expect(ssim(a, { ...a, rgb: a.rgb.slice() })).toBe(1)
  })

  it.each([
    // Constant frames: both variances and the covariance are 0, so only the luminance term remains:
    // (2*100*110 + C1) / (100^2 + 110^2 + C1) with C1 = (0.01*255)^2 = 6.5025 -> 22006.5025 / 22106.5025.
    { a: 100, b: 110, expected: 0.9954764440915 },
    // (2*0*255 + 6.5025) / (0 + 65025 + 6.5025)
    { a: 0, b: 255, expected: 6.5025 / 65031.5025 },
  ])('constant $a vs constant $b gives the hand-computed value', ({ a, b, expected }) => {
    expect(ssim(grey(16, 16, () => a), grey(16, 16, () => b))).toBeCloseTo(expected, 12)
  })

  it('matches the definition evaluated directly for a single 11x11 window', () => {
    const a = grey(11, 11, noise(2))
    const b = grey(11, 11, (x, y) => Math.min(255, noise(2)(x, y) + ((x * 7 + y) % 5) * 25))
    // Direct 2-D weighted statistics, independent of the separable implementation.
    const g = gaussianKernel(11, SSIM_SIGMA)
    const [ya, yb] = [luma(a), luma(b)]
    let [ma, mb, saa, sbb, sab] = [0, 0, 0, 0, 0]
    for (let y = 0; y < 11; y++) for (let x = 0; x < 11; x++) {
      const w = g[x] * g[y]
      const [p, q] = [ya[y * 11 + x], yb[y * 11 + x]]
      ma += w * p
      mb += w * q
      saa += w * p * p
      sbb += w * q * q
      sab += w * p * q
    }
    const [c1, c2] = [(SSIM_K1 * 255) ** 2, (SSIM_K2 * 255) ** 2]
    const [va, vb, cov] = [saa - ma * ma, sbb - mb * mb, sab - ma * mb]
    const expected = ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2))
    expect(expected).toBeLessThan(0.95)
    expect(ssim(a, b)).toBeCloseTo(expected, 10)
  })

  it.each([
    { width: 40, height: 29 },
    { width: 12, height: 11 },
    // Smaller than the window: a 7x7 window (windowFor), the same definition.
    { width: 9, height: 7 },
  ])('a $width x $height frame: the mean of the direct 2-D definition over every valid position (1e-12)', ({ width, height }) => {
    const a = grey(width, height, noise(5))
    const b = grey(width, height, (x, y) => Math.max(0, Math.min(255, noise(5)(x, y) + (((x * 3 + y * 7) % 9) - 4) * 6)))
    const size = windowFor(width, height)
    const g = gaussianKernel(size, SSIM_SIGMA)
    const [ya, yb] = [luma(a), luma(b)]
    const [c1, c2] = [(SSIM_K1 * 255) ** 2, (SSIM_K2 * 255) ** 2]
    let sum = 0
    let positions = 0
    for (let top = 0; top + size <= height; top++) for (let left = 0; left + size <= width; left++) {
      let [ma, mb, saa, sbb, sab] = [0, 0, 0, 0, 0]
      for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
        const w = g[x] * g[y]
        const [p, q] = [ya[(top + y) * width + left + x], yb[(top + y) * width + left + x]]
        ma += w * p
        mb += w * q
        saa += w * p * p
        sbb += w * q * q
        sab += w * p * q
      }
      const [va, vb, cov] = [saa - ma * ma, sbb - mb * mb, sab - ma * mb]
      sum += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2))
      positions++
    }
    const expected = sum / positions
    expect(expected).toBeLessThan(0.99)
    expect(Math.abs(ssim(a, b) - expected)).toBeLessThan(1e-12)
  })

  it('is symmetric and falls as the perturbation grows', () => {
    const a = grey(24, 24, noise(3))
    const perturbed = (k: number) => grey(24, 24, (x, y) => Math.max(0, Math.min(255, noise(3)(x, y) + (((x * 5 + y * 3) % 11) - 5) * k)))
    const values = [1, 4, 16].map((k) => ssim(a, perturbed(k)))
    expect(values[0]).toBeGreaterThan(values[1])
    expect(values[1]).toBeGreaterThan(values[2])
    expect(ssim(perturbed(4), a)).toBeCloseTo(values[1], 14)
  })

  it('uses BT.601 luma and a Gaussian window that sums to 1', () => {
    expect(Array.from(luma({ width: 3, height: 1, rgb: Uint8Array.of(255, 0, 0, 0, 255, 0, 0, 0, 255) }))).toEqual([0.299 * 255, 0.587 * 255, 0.114 * 255])
    const kernel = gaussianKernel(11, 1.5)
    expect(kernel.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 15)
    expect(kernel[5]).toBeGreaterThan(kernel[4])
    expect(kernel[0]).toBeCloseTo(kernel[10], 15)
  })

  it.each([
    [64, 64, 11],
    [8, 16, 7],
    [6, 6, 5],
    [1, 1, 1],
  ])('a %ix%i frame uses a %i-pixel window', (w, h, size) => expect(windowFor(w, h)).toBe(size))

  it('rejects frames of different sizes', () => {
    expect(() => ssim(grey(8, 8, () => 0), grey(8, 9, () => 0))).toThrow(/differ in size/)
    expect(() => ssimPlane(new Float64Array(3), new Float64Array(4), 2, 2)).toThrow(RangeError)
  })
})
