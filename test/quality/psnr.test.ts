import { describe, expect, it } from 'vitest'
import { psnr, psnrFromMse, squaredErrorSum } from '../../src/quality/psnr.ts'

const filled = (n: number, v: number) => new Uint8Array(n).fill(v)

describe('psnr', () => {
  it('is +Infinity for identical images', () => {
    const a = Uint8Array.from({ length: 48 }, (_, i) => (i * 37) % 256)
    expect(psnr(a, a.slice())).toBe(Infinity)
  })

  it.each([
    // 4x4 RGB, every R value +10: MSE = 100/3; 255^2 * 3 / 100 = 1950.75; 10 log10(1950.75) = 32.9020...
    { what: 'R channel +10', b: (a: Uint8Array) => a.map((v, i) => (i % 3 === 0 ? v + 10 : v)), expected: 32.9020161559 },
    // every value +1: MSE = 1, PSNR = 20 log10(255) = 48.1308...
    { what: 'all values +1', b: (a: Uint8Array) => a.map((v) => v + 1), expected: 48.1308036087 },
    // every value 0 vs 255: MSE = 255^2, PSNR = 0
    { what: 'black vs white', b: (a: Uint8Array) => a.map(() => 255), expected: 0, base: 0 },
  ])('$what gives the hand-computed value', ({ b, expected, base }) => {
    const a = filled(48, base ?? 100)
    expect(psnr(a, b(a))).toBeCloseTo(expected, 9)
  })

  it('sums squared errors and rejects mismatched sizes', () => {
    expect(squaredErrorSum(Uint8Array.of(0, 10, 255), Uint8Array.of(3, 10, 250))).toBe(9 + 0 + 25)
    expect(() => squaredErrorSum(filled(3, 0), filled(4, 0))).toThrow(/differ in size/)
    expect(() => psnrFromMse(-1)).toThrow(RangeError)
  })
})
