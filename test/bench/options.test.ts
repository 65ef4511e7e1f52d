import { describe, expect, it } from 'vitest'
import { benchOptions } from '../../src/bench/options.ts'

describe('benchOptions', () => {
  it('defaults to the cpu bench writing bench/results/latest.{json,md}', () => {
    expect(benchOptions({}, '/repo')).toEqual({
      mode: 'cpu', repeats: 10, steps: 20, threads: 0, sweepRepeats: 2,
      json: '/repo/bench/results/latest.json', markdown: '/repo/bench/results/latest.md', compile: false,
    })
  })

  it('quality mode: the goal\'s full-size pair, 3 rounds, bench/results/quality-latest.{json,md}', () => {
    expect(benchOptions({ mode: 'quality' }, '/repo')).toMatchObject({
      mode: 'quality', repeats: 3, threads: 0, video: { frames: 81, width: 1360, height: 768 },
      json: '/repo/bench/results/quality-latest.json', markdown: '/repo/bench/results/quality-latest.md',
    })
    expect(benchOptions({ mode: 'quality', frames: 4, width: 64, height: 48, repeats: 1, threads: 3 }, '/repo')).toMatchObject({
      repeats: 1, threads: 3, video: { frames: 4, width: 64, height: 48 },
    })
  })

  it.each([
    [{ gpu: true }, { mode: 'gpu', steps: 3, sweepRepeats: 0, json: '/repo/bench/results/gpu-latest.json' }],
    [{ mode: 'gpu', compile: true, steps: 5 }, { mode: 'gpu', compile: true, steps: 5 }],
    [{ output: 'out/x.local.json' }, { json: '/repo/out/x.local.json', markdown: '/repo/out/x.local.md' }],
    [{ sweepRepeats: 0, repeats: 3, steps: 8 }, { sweepRepeats: 0, repeats: 3, steps: 8 }],
  ])('%j', (flags, expected) => {
    expect(benchOptions(flags, '/repo')).toMatchObject(expected)
  })

  it.each([
    [{ mode: 'tpu' }, /^--mode: expected "cpu", "gpu", "quality" or "busy", got "tpu"/],
    [{ frames: 8 }, /^--frames: .*--mode quality only/],
    [{ mode: 'quality', steps: 3 }, /^--steps: does not apply to --mode quality/],
    [{ mode: 'quality', compile: true }, /^--compile: does not apply to --mode quality/],
    [{ mode: 'quality', sweepRepeats: 1 }, /^--sweep-repeats: does not apply to --mode quality/],
    [{ mode: 'quality', gpu: true }, /^--gpu: contradicts --mode quality/],
    [{ mode: 'quality', repeats: 0 }, /^--repeats: expected an integer from 1 to 100/],
    [{ mode: 'quality', width: 10 }, /^--width: expected an integer from 11 to 8192/],
    [{ mode: 'quality', threads: 257 }, /^--threads: expected an integer from 0 to 256/],
    [{ mode: 'quality', output: 'q.md' }, /^--output: expected a \.json file/],
    [{ gpu: true, mode: 'cpu' }, /^--gpu: contradicts --mode cpu/],
    [{ compile: true }, /^--compile: .*--mode gpu/],
    [{ gpu: true, sweepRepeats: 1 }, /^--sweep-repeats: .*cpu mode only/],
    [{ repeats: 1 }, /^--repeats: expected an integer from 2/],
    [{ steps: 5 }, /^--steps: expected an integer from 6/],
    [{ gpu: true, steps: 0 }, /^--steps: expected an integer from 1/],
    [{ threads: -1 }, /^--threads: /],
    [{ output: 'results.md' }, /^--output: expected a \.json file/],
  ])('%j is refused', (flags, message) => {
    expect(() => benchOptions(flags, '/repo')).toThrow(message)
  })
})
