import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { compareFrameDirs } from '../../src/quality/video.ts'
import type { RunRecord } from '../../src/run/record.ts'
import type { SweepManifest } from '../../src/sweep/manifest.ts'
import { teacache, tempDir } from '../helpers/cli.ts'
import { TINY_CONFIG } from '../helpers/configs.ts'

/**
 * compile: blocks on the tiny model (CPU inductor): one sweep times eager and compiled variants
 * in one process against the eager baseline; compiling happens in the warm-up, not in a timed run.
 */
const work = tempDir('tc-compile-')
const config = join(work, 'tiny.yaml')
writeFileSync(config, TINY_CONFIG.replace('steps: 20', 'steps: 4'))
const read = (id: string) => JSON.parse(readFileSync(join(work, 'sweep', id, 'run.json'), 'utf8')) as RunRecord

describe('compile: blocks', () => {
  it('sweep --compile none,blocks runs both variants of every column, compiling once in the warm-up', async () => {
    const result = await teacache(['sweep', config, '--output', join(work, 'sweep'), '--thresholds', '1', '--compile', 'none,blocks', '--repeats', '2', '--quiet'])
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
    expect(readdirSync(join(work, 'sweep', 'p0-s42')).sort()).toEqual(['baseline', 'baseline-compiled', 't1', 't1-compiled'])
    const manifest = JSON.parse(readFileSync(join(work, 'sweep', 'sweep.json'), 'utf8')) as SweepManifest
    expect(manifest.grid.compile).toEqual(['none', 'blocks'])
    expect(read('p0-s42/baseline').config.compile).toBe('none')
    expect(read('p0-s42/t1-compiled')).toMatchObject({ config: { compile: 'blocks' }, teacache: { enabled: true, rel_l1_thresh: 1 } })
    // Both warm-ups (eager, then compiling) are charged to the first run; no timed run includes compiling.
    expect(read('p0-s42/baseline').timings_s.compile).toBeGreaterThan(0)
    expect(read('p0-s42/baseline-compiled').timings_s).toMatchObject({ warmup: 0, compile: 0 })
    // Skipped steps never enter the (compiled) blocks: the same schedule, the blocks run only on computed steps.
    const [eager, compiled] = [read('p0-s42/t1'), read('p0-s42/t1-compiled')]
    expect(compiled.steps.map((s) => s.computed)).toEqual(eager.steps.map((s) => s.computed))
    expect(compiled.block_loops).toBe(compiled.computed_steps)
    // Compiled float32 blocks on a CPU reproduce the eager frames to within rounding.
    const q = await compareFrameDirs(join(work, 'sweep', 'p0-s42/baseline/frames'), join(work, 'sweep', 'p0-s42/baseline-compiled/frames'))
    expect(q.psnr).toBeGreaterThan(40)
    // The report shows compile alone beside TeaCache, each against the eager baseline.
    const md = readFileSync(join(work, 'sweep', 'REPORT.md'), 'utf8')
    const quality = md.split('\n').find((l) => l.startsWith('| PSNR / SSIM / flicker |'))!
    expect(quality).toBe('| PSNR / SSIM / flicker | TeaCache (1) | Compiled blocks | TeaCache (1), compiled |')
    expect(md).toMatch(/\| latency \(s\) \| Baseline \| TeaCache \(1\) \| Compiled blocks \| TeaCache \(1\), compiled \|/)
  })
})
