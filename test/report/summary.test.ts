import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { collectSweep } from '../../src/report/collect.ts'
import { measureQuality } from '../../src/report/generate.ts'
import { buildReportData, stat, type ReportData } from '../../src/report/summary.ts'
import { twoPromptFixture } from '../fixtures/sweep.ts'

const LPIPS = { computed: false as const, weights: [], reason: 'test' }
describe('report data from fixture run folders (no Python)', () => {
  let data: ReportData
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tc-summary-'))
    twoPromptFixture(dir)
    const collected = await collectSweep(dir)
    data = buildReportData(collected, await measureQuality(collected), LPIPS)
  })

  it('takes latency as denoise + decode, with per-run speedup over the same prompt and seed', () => {
    const row = (id: string) => data.runs.find((r) => r.id === id)!
    expect(row('p0-s1/baseline')).toMatchObject({ latency: 12, speedup: 1, computed: 4, steps: 4 })
    expect(row('p0-s1/t0.1')).toMatchObject({ latency: 8, speedup: 1.5, computed: 3, schedule: [true, false, true, true] })
    expect(row('p1-s1/t0.2')).toMatchObject({ latency: 8, speedup: 2 })
  })

  it.each([
    // baseline: 12 and 16 -> mean 14, sample sd sqrt(8)
    { column: null, mean: 14, sd: Math.sqrt(8), speedup: 1, completed: 1 + 1 },
    // 0.1: only p0 completed (8)
    { column: 0.1, mean: 8, sd: null, speedup: 14 / 8, completed: 1 },
    // 0.2: 6 and 8
    { column: 0.2, mean: 7, sd: Math.SQRT2, speedup: 2, completed: 2 },
  ])('column $column: mean $mean, speedup of means $speedup', ({ column, mean, sd, speedup, completed }) => {
    const c = data.columns.find((x) => x.threshold === column)!
    expect(c.latency.mean).toBeCloseTo(mean, 12)
    if (sd === null) expect(c.latency.sd).toBeNull()
    else expect(c.latency.sd).toBeCloseTo(sd, 12)
    expect(c.speedup).toBeCloseTo(speedup, 12)
    expect(c.completed).toBe(completed)
    expect(c.total).toBe(2)
  })

  it('measures PSNR from the frames: a uniform shift s gives 20 log10(255 / s)', () => {
    const row = (id: string) => data.runs.find((r) => r.id === id)!
    expect(row('p0-s1/t0.1').psnr).toBeCloseTo(20 * Math.log10(255 / 2), 10)
    expect(row('p0-s1/t0.2').psnr).toBeCloseTo(20 * Math.log10(255 / 5), 10)
    expect(row('p0-s1/t0.2').ssim).toBeLessThan(row('p0-s1/t0.1').ssim!)
    expect(row('p0-s1/t0.1').ssim).toBeLessThan(1)
    expect(row('p0-s1/baseline').psnr).toBeNull()
    expect(data.columns.find((c) => c.threshold === 0.2)!.psnr).toMatchObject({ n: 2, mean: expect.closeTo(20 * Math.log10(51), 10), sd: expect.closeTo(0, 10) })
  })

  it('reports the failed run with its error and counts it', () => {
    expect(data.counts).toMatchObject({ total: 6, completed: 5, failed: 1, missing: 0 })
    expect(data.runs.find((r) => r.id === 'p1-s1/t0.1')).toMatchObject({ status: 'failed', latency: null, note: 'failed: PYTHON: RuntimeError: CUDA out of memory' })
  })

  it('describes the setup from the records, and has no published reference for the tiny model', () => {
    expect(data.setup).toMatchObject({ model: 'tiny', task: 't2v', width: 16, height: 16, frames: 3, steps: 4, devices: ['cpu (Test CPU)'], dtypes: ['float32'] })
    expect(data.setup!.started).toBe('2025-01-01T00:00:00.000Z')
    expect(data.reference).toBeNull()
  })
})

describe('stat', () => {
  it.each([
    { values: [], expected: { n: 0, mean: null, sd: null } },
    { values: [3], expected: { n: 1, mean: 3, sd: null } },
    { values: [1, 3], expected: { n: 2, mean: 2, sd: Math.SQRT2 } },
    { values: [Infinity, 40], expected: { n: 2, mean: Infinity, sd: null } },
  ])('$values', ({ values, expected }) => expect(stat(values)).toEqual(expected))
})
