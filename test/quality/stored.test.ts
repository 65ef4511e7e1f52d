import { describe, expect, it } from 'vitest'
import { fromStored, storedProblem, toStored } from '../../src/quality/stored.ts'
import { poolFrames } from '../../src/quality/video.ts'

const values = 8 * 8 * 3
const frames = (squared: number[]) => poolFrames(squared.map((s, f) => ({
  width: 8, height: 8, squared: s * values, values, ssim: 1 - s / 1000, motion: f === 0 ? null : { reference: f * values, candidate: (f + s) * values },
})))

describe('stored metrics', () => {
  it.each([
    { name: 'a measured video', q: frames([4, 9, 1]) },
    { name: 'identical videos (PSNR ∞ stored as null)', q: frames([0, 0]) },
    { name: 'one frame (no flicker)', q: frames([2]) },
  ])('round-trip exactly and pass every check: $name', ({ q }) => {
    const stored = JSON.parse(JSON.stringify(toStored(q)))
    expect(storedProblem(stored, q.frames)).toBeNull()
    expect(fromStored(stored)).toEqual(q)
  })

  it('stores ∞ as null, pooled and per frame', () => {
    expect(toStored(frames([0, 4]))).toMatchObject({ psnr: expect.any(Number), per_frame: { psnr: [null, expect.any(Number)] } })
    expect(toStored(frames([0, 0]))).toMatchObject({ psnr: null, mse: 0 })
  })

  it('names the run\'s frame count when the file covers another', () => {
    expect(storedProblem(toStored(frames([4, 9, 1])), 4)).toBe('frames: 3, but the run has 4')
  })
})
