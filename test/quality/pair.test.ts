import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { syntheticFrame } from '../../src/bench/synthetic-frames.ts'
import { measurePair } from '../../src/quality/pair.ts'
import { decodeAnyPng, encodePng } from '../../src/quality/png.ts'
import { squaredErrorSum } from '../../src/quality/psnr.ts'
import { ssim } from '../../src/quality/ssim.ts'
import { tempDir } from '../helpers/cli.ts'

describe('measurePair', () => {
  const dir = tempDir('tc-pair-')
  const write = (name: string, width: number, height: number, candidate: boolean) => {
    const path = join(dir, `${name}.png`)
    writeFileSync(path, encodePng({ width, height, rgb: syntheticFrame({ frames: 1, width, height }, 0, candidate) }))
    return path
  }
  /** The same numbers from pngjs and fresh arrays: nothing kept between calls. */
  const expected = (a: string, b: string) => {
    const [fa, fb] = [decodeAnyPng(readFileSync(a)), decodeAnyPng(readFileSync(b))]
    return { width: fa.width, height: fa.height, squared: squaredErrorSum(fa.rgb, fb.rgb), values: fa.rgb.length, ssim: ssim(fa, fb) }
  }

  it('gives the same numbers whatever size the pair before it had, one after another or interleaved', async () => {
    const pairs = [[40, 30], [16, 12], [64, 48], [40, 30]].map(([w, h], i) => [write(`ref${i}`, w, h, false), write(`cand${i}`, w, h, true)] as const)
    for (const [a, b] of pairs) expect(await measurePair(a, b)).toEqual(expected(a, b))
    expect(await Promise.all(pairs.map(([a, b]) => measurePair(a, b)))).toEqual(pairs.map(([a, b]) => expected(a, b)))
  })
})
