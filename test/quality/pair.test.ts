import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { syntheticFrame } from '../../src/bench/synthetic-frames.ts'
import { measurePair, measureSpan } from '../../src/quality/pair.ts'
import { decodeAnyPng, encodePng } from '../../src/quality/png.ts'
import { squaredErrorSum } from '../../src/quality/psnr.ts'
import { ssim } from '../../src/quality/ssim.ts'

describe('measurePair and measureSpan', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tc-pair-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const write = (name: string, width: number, height: number, candidate: boolean) => {
    const path = join(dir, `${name}.png`)
    writeFileSync(path, encodePng({ width, height, rgb: syntheticFrame({ frames: 1, width, height }, 0, candidate) }))
    return path
  }
  /** A frame of one grey level: its change from another is the difference of the levels. */
  const flat = (name: string, level: number, width = 8, height = 6) => {
    const path = join(dir, `${name}.png`)
    writeFileSync(path, encodePng({ width, height, rgb: new Uint8Array(width * height * 3).fill(level) }))
    return path
  }
  /** The same numbers from pngjs and fresh arrays: nothing kept between calls. */
  const expected = (a: string, b: string) => {
    const [fa, fb] = [decodeAnyPng(readFileSync(a)), decodeAnyPng(readFileSync(b))]
    return { width: fa.width, height: fa.height, squared: squaredErrorSum(fa.rgb, fb.rgb), values: fa.rgb.length, ssim: ssim(fa, fb), motion: null }
  }

  it('gives the same numbers whatever size the pair before it had, one after another or interleaved', async () => {
    const pairs = [[40, 30], [16, 12], [64, 48], [40, 30]].map(([w, h], i) => [write(`ref${i}`, w, h, false), write(`cand${i}`, w, h, true)] as const)
    for (const [a, b] of pairs) expect(await measurePair(a, b)).toEqual(expected(a, b))
    expect(await Promise.all(pairs.map(([a, b]) => measurePair(a, b)))).toEqual(pairs.map(([a, b]) => expected(a, b)))
  })

  it('measures each video\'s change into a frame: the mean absolute change per value times the values', async () => {
    // Reference 10, 10, 20; candidate 10, 30, 20: the candidate jumps at frame 1 and back at 2.
    const refs = [10, 10, 20].map((v, i) => flat(`flat-ref${i}`, v))
    const cands = [10, 30, 20].map((v, i) => flat(`flat-cand${i}`, v))
    const values = 8 * 6 * 3
    const span = await measureSpan({ references: refs, candidates: cands, previous: null })
    expect(span.map((m) => m.motion)).toEqual([null, { reference: 0, candidate: 20 * values }, { reference: 10 * values, candidate: 10 * values }])
    expect(span.map((m) => m.squared)).toEqual([0, 400 * values, 0])
  })

  it('a span that starts mid-video gives exactly what the whole video gives for its frames', async () => {
    const frames = [0, 1, 2, 3, 4].map((f) => [write(`vid-ref${f}`, 24, 16, false), flat(`vid-cand${f}`, 40 + f * 7, 24, 16)] as const)
    const whole = await measureSpan({ references: frames.map((f) => f[0]), candidates: frames.map((f) => f[1]), previous: null })
    const tail = await measureSpan({ references: frames.slice(2).map((f) => f[0]), candidates: frames.slice(2).map((f) => f[1]), previous: { reference: frames[1][0], candidate: frames[1][1] } })
    expect(tail).toEqual(whole.slice(2))
    // Two spans at once on one thread do not share buffers.
    const [a, b] = await Promise.all([
      measureSpan({ references: frames.map((f) => f[0]), candidates: frames.map((f) => f[1]), previous: null }),
      measureSpan({ references: frames.map((f) => f[1]), candidates: frames.map((f) => f[0]), previous: null }),
    ])
    expect(a).toEqual(whole)
    expect(b.map((m) => m.squared)).toEqual(whole.map((m) => m.squared))
  })

  it('refuses a frame whose size differs from the frame before it, naming it', async () => {
    const [small, big] = [flat('size-a', 0, 8, 6), flat('size-b', 0, 10, 6)]
    await expect(measureSpan({ references: [small, big], candidates: [small, big], previous: null })).rejects.toThrow(`${big}: 10x6, but the frame before it is 8x6`)
  })
})
