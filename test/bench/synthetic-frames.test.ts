import { readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { encodeFramePng, syntheticFrame, writeSyntheticPair } from '../../src/bench/synthetic-frames.ts'
import { decodePng } from '../../src/quality/png.ts'
import { psnr } from '../../src/quality/psnr.ts'
import { tempDir } from '../helpers/cli.ts'

describe('synthetic frames for the quality bench', () => {
  const video = { frames: 4, width: 96, height: 64 }

  it('are the same on every call, differ from frame to frame, and the candidate stays close to the reference', () => {
    const a = syntheticFrame(video, 2, false)
    expect(syntheticFrame(video, 2, false)).toEqual(a)
    expect(syntheticFrame(video, 3, false)).not.toEqual(a)
    const quality = psnr(a, syntheticFrame(video, 2, true))
    expect(quality).toBeGreaterThan(35)
    expect(quality).toBeLessThan(50)
  })

  it('carry grain, so a PNG is large like a detailed frame and not like flat colour', () => {
    const png = encodeFramePng(syntheticFrame(video, 0, false), video.width, video.height)
    // Raw RGB is 18 KiB; flat gradients alone would deflate to a small fraction of that.
    expect(png.length).toBeGreaterThan(0.5 * video.width * video.height * 3)
    expect(decodePng(png)).toEqual({ width: 96, height: 64, rgb: syntheticFrame(video, 0, false) })
  })

  it('are written as two folders of numbered frames', async () => {
    const pair = await writeSyntheticPair(tempDir('tc-synth-'), video)
    for (const folder of [pair.reference, pair.candidate]) {
      expect(readdirSync(folder).sort()).toEqual(['frame_00000.png', 'frame_00001.png', 'frame_00002.png', 'frame_00003.png'])
    }
    expect(pair.bytes).toBeGreaterThan(8 * 0.5 * 96 * 64 * 3)
  })
})
