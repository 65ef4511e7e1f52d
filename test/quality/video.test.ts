import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { decodePng, encodePng, listFrames } from '../../src/quality/png.ts'
import { syntheticFrame } from '../../src/bench/synthetic-frames.ts'
import { openPool } from '../../src/quality/pool.ts'
import { compareFrameDirs } from '../../src/quality/video.ts'
import { fixtureFrame } from '../fixtures/sweep.ts'

function frames(dir: string, name: string, count: number, shift: (f: number) => number, size = 16): string {
  const path = join(dir, name)
  mkdirSync(path)
  for (let f = 0; f < count; f++) writeFileSync(join(path, `frame_${String(f).padStart(5, '0')}.png`), encodePng(fixtureFrame(f, shift(f), size, size)))
  return path
}

describe('video quality from lossless frames', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tc-video-'))
  const reference = frames(dir, 'ref', 4, () => 0)

  it('PNG round trip is lossless', () => {
    const frame = fixtureFrame(2, 7)
    expect(decodePng(encodePng(frame))).toEqual({ width: 16, height: 16, rgb: frame.rgb })
  })

  it('identical videos: PSNR +Infinity, SSIM 1', async () => {
    expect(await compareFrameDirs(reference, frames(dir, 'same', 4, () => 0))).toEqual({ frames: 4, psnr: Infinity, mse: 0, ssim: 1 })
  })

  it('pools the squared error over frames: one of four frames shifted by 8 gives MSE 16', async () => {
    const q = await compareFrameDirs(reference, frames(dir, 'one', 4, (f) => (f === 2 ? 8 : 0)))
    expect(q.mse).toBe(16)
    expect(q.psnr).toBeCloseTo(10 * Math.log10((255 * 255) / 16), 12)
    expect(q.ssim).toBeLessThan(1)
    expect(q.ssim).toBeGreaterThan(0.9)
  })

  it.each([
    { name: 'fewer', make: () => frames(dir, 'fewer', 3, () => 0), error: /3 frames, but the reference .* has 4/ },
    { name: 'bigger', make: () => frames(dir, 'bigger', 4, () => 0, 32), error: /32x32, but the reference frame is 16x16/ },
  ])('refuses $name frames', async ({ make, error }) => {
    await expect(compareFrameDirs(reference, make())).rejects.toThrow(error)
  })

  it('the same PSNR, MSE and SSIM, bit for bit, on 1 thread, on 3 worker threads and on a shared pool', async () => {
    const video = { frames: 7, width: 45, height: 31 }
    const write = (name: string, candidate: boolean) => {
      const path = join(dir, name)
      mkdirSync(path)
      for (let f = 0; f < video.frames; f++) {
        writeFileSync(join(path, `frame_${String(f).padStart(5, '0')}.png`), encodePng({ width: video.width, height: video.height, rgb: syntheticFrame(video, f, candidate) }))
      }
      return path
    }
    const [ref, cand] = [write('grain-ref', false), write('grain-cand', true)]
    const single = await compareFrameDirs(ref, cand, { threads: 1 })
    expect(single.psnr).toBeGreaterThan(30)
    expect(single.ssim).toBeLessThan(0.999)
    expect(await compareFrameDirs(ref, cand, { threads: 3 })).toEqual(single)
    const pool = openPool(2)
    try {
      // Two comparisons queued on one pool at once, as a report does.
      const [again, same] = await Promise.all([compareFrameDirs(ref, cand, { pool }), compareFrameDirs(ref, ref, { pool })])
      expect(again).toEqual(single)
      expect(same).toEqual({ frames: 7, psnr: Infinity, mse: 0, ssim: 1 })
    } finally {
      await pool.close()
    }
  })

  it('names the frame that is not a PNG', async () => {
    const path = frames(dir, 'broken', 4, () => 0)
    writeFileSync(join(path, 'frame_00002.png'), 'truncated')
    await expect(compareFrameDirs(reference, path, { threads: 2 })).rejects.toThrow(`${join(path, 'frame_00002.png')}: not a readable PNG`)
  })

  it('lists only numbered frames, in order', async () => {
    const path = frames(dir, 'listed', 3, () => 0)
    writeFileSync(join(path, 'notes.txt'), '')
    expect((await listFrames(path)).map((p) => p.slice(path.length + 1))).toEqual(['frame_00000.png', 'frame_00001.png', 'frame_00002.png'])
  })
})
