import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { decodePng, encodePng, listFrames } from '../../src/quality/png.ts'
import { syntheticFrame } from '../../src/bench/synthetic-frames.ts'
import { openPool } from '../../src/quality/pool.ts'
import { compareFrameDirs, spans } from '../../src/quality/video.ts'
import { fixtureFrame } from '../fixtures/sweep.ts'

function frames(dir: string, name: string, count: number, shift: (f: number) => number, size = 16): string {
  const path = join(dir, name)
  mkdirSync(path)
  for (let f = 0; f < count; f++) writeFileSync(join(path, `frame_${String(f).padStart(5, '0')}.png`), encodePng(fixtureFrame(f, shift(f), size, size)))
  return path
}

describe('video quality from lossless frames', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tc-video-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const reference = frames(dir, 'ref', 4, () => 0)

  it('PNG round trip is lossless', () => {
    const frame = fixtureFrame(2, 7)
    expect(decodePng(encodePng(frame))).toEqual({ width: 16, height: 16, rgb: frame.rgb })
  })

  it('identical videos: PSNR +Infinity, SSIM 1, no flicker, per frame too', async () => {
    const q = await compareFrameDirs(reference, frames(dir, 'same', 4, () => 0))
    expect(q).toMatchObject({ frames: 4, psnr: Infinity, mse: 0, ssim: 1, flicker: 0 })
    expect(q.perFrame).toMatchObject({ mse: [0, 0, 0, 0], psnr: [Infinity, Infinity, Infinity, Infinity], ssim: [1, 1, 1, 1], flicker: [null, 0, 0, 0] })
    expect(q.perFrame.motion.candidate).toEqual(q.perFrame.motion.reference)
  })

  it('a one-frame video has no temporal figure', async () => {
    const one = frames(dir, 'single-ref', 1, () => 0)
    expect(await compareFrameDirs(one, frames(dir, 'single', 1, () => 3))).toMatchObject({ frames: 1, flicker: null, perFrame: { flicker: [null] } })
  })

  it('pools the squared error over frames: one of four frames shifted by 8 gives MSE 16', async () => {
    const q = await compareFrameDirs(reference, frames(dir, 'one', 4, (f) => (f === 2 ? 8 : 0)))
    expect(q.mse).toBe(16)
    expect(q.psnr).toBeCloseTo(10 * Math.log10((255 * 255) / 16), 12)
    expect(q.ssim).toBeLessThan(1)
    expect(q.ssim).toBeGreaterThan(0.9)
    expect(q.perFrame.mse).toEqual([0, 0, 64, 0])
    expect(q.perFrame.psnr[2]).toBeCloseTo(10 * Math.log10((255 * 255) / 64), 12)
    expect(q.perFrame.ssim[2]).toBeCloseTo(q.ssim * 4 - 3, 12)
  })

  it('the temporal figure shows where a video flickers: frame 2 jumps by 8 and back', async () => {
    // A still baseline: every frame alike, so it never changes; the candidate changes by 8 levels into frame 2 and out of it.
    const still = (name: string, shift: (f: number) => number) => {
      const path = join(dir, name)
      mkdirSync(path)
      for (let f = 0; f < 5; f++) writeFileSync(join(path, `frame_${String(f).padStart(5, '0')}.png`), encodePng(fixtureFrame(0, shift(f))))
      return path
    }
    const q = await compareFrameDirs(still('still-ref', () => 0), still('still-flicker', (f) => (f === 2 ? 8 : 0)), { threads: 2 })
    expect(q.perFrame.motion.reference).toEqual([null, 0, 0, 0, 0])
    expect(q.perFrame.motion.candidate).toEqual([null, 0, 8, 8, 0])
    expect(q.perFrame.flicker).toEqual([null, 0, 8, 8, 0])
    expect(q.flicker).toBe(4)
  })

  it.each([
    { frames: 7, threads: 1, lengths: [7] },
    { frames: 7, threads: 3, lengths: [3, 3, 1] },
    { frames: 81, threads: 2, lengths: [16, 16, 16, 16, 16, 1] },
    { frames: 2, threads: 16, lengths: [1, 1] },
  ])('$frames frames on $threads thread(s): spans of $lengths, each but the first with the pair before it', ({ frames: n, threads, lengths }) => {
    const names = (p: string) => Array.from({ length: n }, (_, i) => `${p}${i}`)
    const out = spans(names('r'), names('c'), threads)
    expect(out.map((s) => s.references.length)).toEqual(lengths)
    expect(out.flatMap((s) => s.candidates)).toEqual(names('c'))
    expect(out.map((s) => s.previous?.reference ?? null)).toEqual(out.map((s, i) => (i === 0 ? null : out[i - 1].references.at(-1))))
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
      expect(same).toMatchObject({ frames: 7, psnr: Infinity, mse: 0, ssim: 1, flicker: 0 })
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
