import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { collectSweep, type CollectedRun } from '../../src/report/collect.ts'
import { METRICS_VERSION, QUALITY_FILE, qualityKey, readCachedQuality, writeCachedQuality } from '../../src/report/quality-cache.ts'
import { twoPromptFixture } from '../fixtures/sweep.ts'
import { tempDir } from '../helpers/cli.ts'

async function fixtureRuns(): Promise<{ baseline: CollectedRun; run: CollectedRun }> {
  const dir = tempDir('tc-qcache-')
  twoPromptFixture(dir)
  const { runs } = await collectSweep(dir)
  return { baseline: runs.find((r) => r.spec.id === 'p0-s1/baseline')!, run: runs.find((r) => r.spec.id === 'p0-s1/t0.1')! }
}

const QUALITY = { frames: 3, psnr: 10 * Math.log10((255 * 255) / 4), mse: 4, ssim: 0.987654321012345 }

describe('quality.json beside a run', () => {
  it('names both runs as run.json recorded them, and the metric definition', async () => {
    const { baseline, run } = await fixtureRuns()
    expect(qualityKey(baseline, run)).toEqual({
      metrics: METRICS_VERSION,
      baseline: { id: 'p0-s1/baseline', started_at: baseline.folder.record!.started_at, finished_at: baseline.folder.record!.finished_at, frames: 3, width: 16, height: 16 },
      run: { id: 'p0-s1/t0.1', started_at: run.folder.record!.started_at, finished_at: run.folder.record!.finished_at, frames: 3, width: 16, height: 16 },
    })
  })

  it.each([
    { name: 'finite PSNR', quality: QUALITY },
    { name: 'identical videos (PSNR +Infinity, stored as null)', quality: { frames: 3, psnr: Infinity, mse: 0, ssim: 1 } },
  ])('reads back exactly what was written: $name', async ({ quality }) => {
    const { baseline, run } = await fixtureRuns()
    const key = qualityKey(baseline, run)
    await writeCachedQuality(run.dir, key, quality)
    expect(await readCachedQuality(run.dir, key)).toEqual(quality)
    expect(JSON.parse(readFileSync(join(run.dir, QUALITY_FILE), 'utf8'))).toMatchObject({ format: 'teacache-quality/1', baseline: 'p0-s1/baseline', frames: 3 })
  })

  it.each([
    { name: 'the baseline was redone', change: (k: ReturnType<typeof qualityKey>) => ({ ...k, baseline: { ...k.baseline, finished_at: '2030-01-01T00:00:00.000Z' } }) },
    { name: 'the run was redone', change: (k: ReturnType<typeof qualityKey>) => ({ ...k, run: { ...k.run, started_at: '2030-01-01T00:00:00.000Z' } }) },
    { name: 'the run has other frames', change: (k: ReturnType<typeof qualityKey>) => ({ ...k, run: { ...k.run, frames: 4 } }) },
    { name: 'the metrics changed', change: (k: ReturnType<typeof qualityKey>) => ({ ...k, metrics: 'something else' }) },
  ])('is stale when $name', async ({ change }) => {
    const { baseline, run } = await fixtureRuns()
    const key = qualityKey(baseline, run)
    await writeCachedQuality(run.dir, key, QUALITY)
    expect(await readCachedQuality(run.dir, change(key))).toBeNull()
  })

  it.each([
    { name: 'missing', content: null },
    { name: 'not JSON', content: '{"format": "teacache-quality/1", "key": ' },
    { name: 'another format', content: JSON.stringify({ format: 'teacache-quality/0' }) },
    { name: 'a number gone wrong', content: 'SSIM' },
  ])('ignores a file that is $name', async ({ content }) => {
    const { baseline, run } = await fixtureRuns()
    const key = qualityKey(baseline, run)
    if (content === 'SSIM') {
      await writeCachedQuality(run.dir, key, QUALITY)
      const file = JSON.parse(readFileSync(join(run.dir, QUALITY_FILE), 'utf8'))
      writeFileSync(join(run.dir, QUALITY_FILE), JSON.stringify({ ...file, ssim: 'high' }))
    } else if (content !== null) writeFileSync(join(run.dir, QUALITY_FILE), content)
    expect(await readCachedQuality(run.dir, key)).toBeNull()
  })
})
