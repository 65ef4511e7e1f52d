import { join } from 'node:path'
import { isTeacacheError } from '../errors.ts'
import { lpipsStatus, type LpipsStatus } from '../quality/lpips.ts'
import { openPool, qualityThreads, type MetricsPool } from '../quality/pool.ts'
import { compareFrameDirs, type VideoQuality } from '../quality/video.ts'
import { compileModes } from '../sweep/grid.ts'
import { REPORT } from '../sweep/manifest.ts'
import { writeFileAtomic } from '../util/fs.ts'
import { renderChart } from './chart.ts'
import { EMBEDDED_GROUPS } from './html/model.ts'
import { HTML_REPORT, writeHtmlReport } from './html/write.ts'
import { collectSweep, type Collected, type CollectedRun } from './collect.ts'
import { makeComparisonVideo } from './compare.ts'
import { tileLabel } from './format.ts'
import { renderReport, type Artifacts } from './markdown.ts'
import { readTuning } from './tuning.ts'
import { QUALITY_FILE, qualityDigest, qualityKey, summaryOf, writeCachedQuality, type QualityKey } from './quality-cache.ts'
import { readQualities, type ReadOptions } from './read-threads.ts'
import { fileIdentity } from './record-index.ts'
import { buildReportData, type QualityResult, type ReportData } from './summary.ts'

/**
 * REPORT.md, chart.svg and the comparison videos of a sweep folder, from its run folders alone:
 * no Python, no GPU. Safe to run while shards are still writing (it reports what is there).
 */
export const CHART = 'chart.svg'

export interface ReportOptions {
  /** Skip the comparison videos (ffmpeg), e.g. for a quick look at the numbers. */
  videos?: boolean
  lpips?: LpipsStatus
}

export interface QualityOptions {
  /** Metric threads; default qualityThreads() (TEACACHE_QUALITY_THREADS, else the cores, capped). */
  threads?: number
  /** The runs whose per-frame series the caller shows (REPORT.html embeds some groups'); the rest get pooled figures. */
  series?: (run: CollectedRun) => boolean
  /** How quality.json files the index cannot answer for are read: on how many threads (./read-threads.ts). */
  reads?: ReadOptions
}

/**
 * PSNR/SSIM of every completed TeaCache run against its baseline: from quality.json beside the
 * run when it was measured for these very two runs (through the folder's index when that file is
 * unchanged since a report read it), else from the frames (all pairs through one worker pool,
 * queued together so no thread idles between pairs) and then stored there.
 */
export async function measureQuality(collected: Collected, options: QualityOptions = {}): Promise<Map<string, QualityResult>> {
  const results = new Map<string, QualityResult>()
  const pending: Array<{ run: CollectedRun; baseline: CollectedRun; key: QualityKey }> = []
  // Everything is compared with the reference baseline: the eager one when the grid has compiled variants too.
  const referenceMode = compileModes(collected.manifest.grid)[0]
  const isReference = (r: CollectedRun) => r.spec.threshold === null && r.spec.method === null && r.spec.compile === referenceMode
  // Each group's reference baseline found once: a search over every run per run made a large sweep quadratic.
  const group = (r: CollectedRun) => `${r.spec.promptIndex}\u0000${r.spec.seed}`
  const references = new Map<string, CollectedRun>()
  for (const r of collected.runs) if (isReference(r) && !references.has(group(r))) references.set(group(r), r)
  const candidates: Array<{ run: CollectedRun; baseline: CollectedRun; key: QualityKey }> = []
  for (const run of collected.runs) {
    if (isReference(run) || run.folder.status !== 'completed') continue
    const baseline = references.get(group(run))
    if (!baseline || baseline.folder.status !== 'completed') {
      results.set(run.spec.id, { error: `the baseline ${baseline?.spec.id ?? ''} has not completed` })
      continue
    }
    candidates.push({ run, baseline, key: qualityKey(baseline, run) })
  }
  // The index answers for files unchanged since a report read them; the rest are read (on read threads when there are many).
  const unanswered: Array<(typeof candidates)[number] & { known: boolean; series: boolean }> = []
  for (const c of candidates) {
    const file = collected.index.has('quality', c.run.spec.id) ? fileIdentity(join(c.run.dir, QUALITY_FILE)) : null
    const known = file === null ? null : collected.index.quality(c.run.spec.id, file, c.key)
    const series = options.series?.(c.run) ?? false
    if (known && !series) results.set(c.run.spec.id, summaryOf(known))
    else unanswered.push({ ...c, known: known !== null, series })
  }
  const reads = await readQualities(collected.manifest, unanswered.map((c) => ({ dir: c.run.dir, key: c.key, series: c.series })), options.reads)
  unanswered.forEach((c, i) => {
    const { file, digest, perFrame } = reads[i]
    if (!digest) return void pending.push(c)
    if (!c.known && file !== null) collected.index.putQuality(c.run.spec.id, file, c.key, digest)
    results.set(c.run.spec.id, summaryOf(digest, perFrame))
  })
  if (pending.length > 0) {
    // No more threads than frames to measure: a small sweep should not start idle workers.
    const frames = pending.reduce((sum, p) => sum + (p.run.folder.digest?.output.frames ?? 0), 0)
    const pool = openPool(Math.max(1, Math.min(options.threads ?? qualityThreads(), frames)))
    try {
      const measured = await Promise.all(pending.map(({ run, baseline, key }) => measurePair(run, baseline, key, pool)))
      pending.forEach(({ run }, i) => results.set(run.spec.id, measured[i]))
    } finally {
      await pool.close()
    }
  }
  // The report lists runs in grid order whatever order they were measured in.
  return new Map(collected.runs.filter((r) => results.has(r.spec.id)).map((r) => [r.spec.id, results.get(r.spec.id)!]))
}

async function measurePair(run: CollectedRun, baseline: CollectedRun, key: QualityKey, pool: MetricsPool): Promise<QualityResult> {
  let quality: VideoQuality
  try {
    quality = await compareFrameDirs(join(baseline.dir, 'frames'), join(run.dir, 'frames'), { pool })
  } catch (error) {
    return { error: (error as Error).message }
  }
  // The cache only saves time: a folder that cannot be written to (read-only share) still gets its report.
  await writeCachedQuality(run.dir, key, quality).catch(() => {})
  return summaryOf(qualityDigest(quality), quality.perFrame)
}

export async function writeReport(dir: string, options: ReportOptions = {}): Promise<{ path: string; data: ReportData }> {
  const collected = await collectSweep(dir)
  const quality = await measureQuality(collected, { series: (run) => run.spec.group < EMBEDDED_GROUPS })
  await collected.index.save()
  const data = buildReportData(collected, quality, options.lpips ?? (await lpipsStatus()))
  await writeFileAtomic(join(dir, CHART), renderChart(data.columns))
  const full: { error?: unknown } = {}
  const artifacts: Artifacts = { chart: CHART, videos: options.videos === false ? [] : await comparisonVideos(dir, data, full), html: HTML_REPORT, tuning: await readTuning(dir) }
  const path = join(dir, REPORT)
  await writeHtmlReport(dir, data, collected, quality, `teacache report ${dir}`)
  await writeFileAtomic(path, renderReport(data, artifacts, `teacache report ${dir}`))
  // A full disk stopped the videos: REPORT.md (small) says so if it fitted, and the command still fails.
  if (full.error) throw full.error
  return { path, data }
}

async function comparisonVideos(dir: string, data: ReportData, full: { error?: unknown }): Promise<Artifacts['videos']> {
  const videos: Artifacts['videos'] = []
  if (!data.setup) return videos
  for (const group of data.groups) {
    const runs = data.runs.filter((r) => r.group === group.id && r.status === 'completed')
    const baseline = runs.find((r) => r.reference)
    if (!baseline || runs.length < 2) continue
    const file = `compare-${group.id}.mp4`
    const tiles = runs.map((r) => ({
      label: tileLabel(r),
      framesDir: join(dir, r.id, 'frames'),
    }))
    try {
      await makeComparisonVideo(tiles, { output: join(dir, file), fps: data.setup.fps, width: data.setup.width, height: data.setup.height })
      videos.push({ group: group.id, file })
    } catch (error) {
      videos.push({ group: group.id, error: (error as Error).message })
      if (isTeacacheError(error, 'DISK')) {
        full.error = error
        break
      }
    }
  }
  return videos
}
