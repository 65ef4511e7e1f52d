import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { storedProblem } from '../../src/quality/stored.ts'
import { poolFrames, type VideoQuality } from '../../src/quality/video.ts'
import { collectSweep, type CollectedRun } from '../../src/report/collect.ts'
import { METRICS_VERSION, QUALITY_FILE, qualityKey, readCachedQuality, writeCachedQuality } from '../../src/report/quality-cache.ts'
import { twoPromptFixture } from '../fixtures/sweep.ts'

const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

async function fixtureRuns(): Promise<{ baseline: CollectedRun; run: CollectedRun }> {
  const dir = mkdtempSync(join(tmpdir(), 'tc-qcache-'))
  dirs.push(dir)
  twoPromptFixture(dir)
  const { runs } = await collectSweep(dir)
  return { baseline: runs.find((r) => r.spec.id === 'p0-s1/baseline')!, run: runs.find((r) => r.spec.id === 'p0-s1/t0.1')! }
}

/** Three 16x16 frames as the pool measures them: squared error 4 a value, the candidate changing by 2 and 3 levels a value. */
const values = 16 * 16 * 3
const QUALITY: VideoQuality = poolFrames([0, 1, 2].map((f) => ({
  width: 16, height: 16, squared: 4 * values, values, ssim: 0.987654321012345 - f * 1e-3,
  motion: f === 0 ? null : { reference: f * values, candidate: (f + 1) * values },
})))
const IDENTICAL: VideoQuality = poolFrames([0, 1, 2].map((f) => ({ width: 16, height: 16, squared: 0, values, ssim: 1, motion: f === 0 ? null : { reference: values, candidate: values } })))

type File = Record<string, any>

describe('quality.json beside a run', () => {
  it('names both runs as run.json recorded them, and the metric definition', async () => {
    const { baseline, run } = await fixtureRuns()
    expect(qualityKey(baseline, run)).toEqual({
      metrics: METRICS_VERSION,
      baseline: { id: 'p0-s1/baseline', started_at: baseline.folder.digest!.started_at, finished_at: baseline.folder.digest!.finished_at, frames: 3, width: 16, height: 16 },
      run: { id: 'p0-s1/t0.1', started_at: run.folder.digest!.started_at, finished_at: run.folder.digest!.finished_at, frames: 3, width: 16, height: 16 },
    })
  })

  it.each([
    { name: 'finite PSNR', quality: QUALITY },
    { name: 'identical videos (PSNR +Infinity, stored as null)', quality: IDENTICAL },
  ])('reads back exactly what was written, per frame too: $name', async ({ quality }) => {
    const { baseline, run } = await fixtureRuns()
    const key = qualityKey(baseline, run)
    await writeCachedQuality(run.dir, key, quality)
    expect(await readCachedQuality(run.dir, key)).toEqual(quality)
    const file = JSON.parse(readFileSync(join(run.dir, QUALITY_FILE), 'utf8'))
    expect(file).toMatchObject({ format: 'teacache-quality/2', baseline: 'p0-s1/baseline', frames: 3 })
    expect(Object.keys(file.per_frame).sort()).toEqual(['baseline_motion', 'flicker', 'motion', 'mse', 'psnr', 'ssim'])
    expect(file.per_frame.psnr).toHaveLength(3)
  })

  it('records the temporal figure: per frame |variant change - baseline change|, and its mean', async () => {
    const { baseline, run } = await fixtureRuns()
    await writeCachedQuality(run.dir, qualityKey(baseline, run), QUALITY)
    const file = JSON.parse(readFileSync(join(run.dir, QUALITY_FILE), 'utf8'))
    expect(file.per_frame).toMatchObject({ motion: [null, 2, 3], baseline_motion: [null, 1, 2], flicker: [null, 1, 1] })
    expect(file.flicker).toBe(1)
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
    { name: 'not JSON', content: '{"format": "teacache-quality/2", "key": ' },
    { name: 'another format', content: JSON.stringify({ format: 'teacache-quality/0' }) },
  ])('ignores a file that is $name', async ({ content }) => {
    const { baseline, run } = await fixtureRuns()
    if (content !== null) writeFileSync(join(run.dir, QUALITY_FILE), content)
    expect(await readCachedQuality(run.dir, qualityKey(baseline, run))).toBeNull()
  })

  // Issue 17: `"ssim": 42` was shown as 42.0000. Every edit below is measured again instead.
  it.each<{ name: string; edit: (f: File) => void; why?: RegExp }>([
    { name: 'a word for the SSIM', edit: (f) => { f.ssim = 'high' } },
    { name: 'SSIM 42', edit: (f) => { f.ssim = 42 }, why: /ssim/ },
    { name: 'SSIM 42 in every frame, pooled consistently', edit: (f) => { f.ssim = 42; f.per_frame.ssim = [42, 42, 42] }, why: /per_frame.ssim\[0\]/ },
    { name: 'SSIM below -1 in a frame', edit: (f) => { f.per_frame.ssim[1] = -1.5 }, why: /per_frame.ssim\[1\]/ },
    { name: 'a pooled SSIM that is not the mean of its frames', edit: (f) => { f.ssim = 0.5 }, why: /^ssim/ },
    { name: 'a negative PSNR', edit: (f) => { f.psnr = -3 }, why: /^psnr/ },
    { name: 'a PSNR that is not its MSE\'s', edit: (f) => { f.psnr = 99 }, why: /^psnr/ },
    { name: 'a per-frame PSNR that is not its MSE\'s', edit: (f) => { f.per_frame.psnr[0] = 60 }, why: /per_frame.psnr\[0\]/ },
    { name: 'a per-frame PSNR of null (identical) beside an MSE above 0', edit: (f) => { f.per_frame.psnr[2] = null }, why: /per_frame.psnr\[2\]/ },
    { name: 'a negative MSE', edit: (f) => { f.mse = -4; f.per_frame.mse = [-4, -4, -4] }, why: /per_frame.mse\[0\]/ },
    { name: 'an MSE above 255²', edit: (f) => { f.mse = 70000; f.per_frame.mse = [70000, 70000, 70000] }, why: /per_frame.mse\[0\]/ },
    { name: 'a pooled MSE that is not the mean of its frames', edit: (f) => { f.mse = 5 }, why: /^mse/ },
    { name: 'a per-frame series one short', edit: (f) => { f.per_frame.ssim.pop() }, why: /per_frame.ssim: 2 entries for 3 frames/ },
    { name: 'a per-frame series one long', edit: (f) => { f.per_frame.mse.push(4) }, why: /per_frame.mse: 4 entries for 3 frames/ },
    { name: 'no per-frame series (format 1)', edit: (f) => { delete f.per_frame } },
    { name: 'frames not the run\'s', edit: (f) => { f.frames = 2; for (const s of Object.values(f.per_frame) as unknown[][]) s.pop() }, why: /frames: 2, but the run has 3/ },
    { name: 'a flicker that is not the mean of its frames', edit: (f) => { f.flicker = 0 }, why: /^flicker/ },
    { name: 'a per-frame flicker that is not |motion - baseline motion|', edit: (f) => { f.per_frame.flicker[2] = 5 }, why: /per_frame.flicker\[2\]/ },
    { name: 'a motion at frame 0', edit: (f) => { f.per_frame.motion[0] = 1 }, why: /per_frame.motion\[0\]/ },
    { name: 'a motion above 255', edit: (f) => { f.per_frame.motion[1] = 300; f.per_frame.flicker[1] = 299 }, why: /per_frame.flicker\[1\]/ },
  ])('measures again a file with $name', async ({ edit, why }) => {
    const { baseline, run } = await fixtureRuns()
    const key = qualityKey(baseline, run)
    await writeCachedQuality(run.dir, key, QUALITY)
    const file = JSON.parse(readFileSync(join(run.dir, QUALITY_FILE), 'utf8'))
    edit(file)
    writeFileSync(join(run.dir, QUALITY_FILE), JSON.stringify(file))
    expect(await readCachedQuality(run.dir, key)).toBeNull()
    // The check that refused it is the one meant (a file the schema refuses has no `why`).
    if (why) expect(storedProblem(file, 3)).toMatch(why)
  })

  it('believes a file only while both runs have the frames it covers', async () => {
    const { baseline, run } = await fixtureRuns()
    const key = qualityKey(baseline, run)
    await writeCachedQuality(run.dir, key, QUALITY)
    expect(await readCachedQuality(run.dir, key)).not.toBeNull()
    expect(await readCachedQuality(run.dir, { ...key, baseline: { ...key.baseline, frames: 4 } })).toBeNull()
  })
})
