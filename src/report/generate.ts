import { join } from 'node:path'
import { isTeacacheError } from '../errors.ts'
import { lpipsStatus, type LpipsStatus } from '../quality/lpips.ts'
import { compareFrameDirs } from '../quality/video.ts'
import { REPORT } from '../sweep/manifest.ts'
import { writeFileAtomic } from '../util/fs.ts'
import { renderChart } from './chart.ts'
import { collectSweep, type Collected } from './collect.ts'
import { makeComparisonVideo } from './compare.ts'
import { renderReport, type Artifacts } from './markdown.ts'
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

export async function measureQuality(collected: Collected): Promise<Map<string, QualityResult>> {
  const quality = new Map<string, QualityResult>()
  for (const run of collected.runs) {
    if (run.spec.threshold === null || run.folder.status !== 'completed') continue
    const baseline = collected.runs.find((r) => r.spec.threshold === null && r.spec.promptIndex === run.spec.promptIndex && r.spec.seed === run.spec.seed)
    if (!baseline || baseline.folder.status !== 'completed') {
      quality.set(run.spec.id, { error: `the baseline ${baseline?.spec.id ?? ''} has not completed` })
      continue
    }
    try {
      quality.set(run.spec.id, await compareFrameDirs(join(baseline.dir, 'frames'), join(run.dir, 'frames')))
    } catch (error) {
      quality.set(run.spec.id, { error: (error as Error).message })
    }
  }
  return quality
}

export async function writeReport(dir: string, options: ReportOptions = {}): Promise<{ path: string; data: ReportData }> {
  const collected = await collectSweep(dir)
  const data = buildReportData(collected, await measureQuality(collected), options.lpips ?? (await lpipsStatus()))
  await writeFileAtomic(join(dir, CHART), renderChart(data.columns))
  const full: { error?: unknown } = {}
  const artifacts: Artifacts = { chart: CHART, videos: options.videos === false ? [] : await comparisonVideos(dir, data, full) }
  const path = join(dir, REPORT)
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
    const baseline = runs.find((r) => r.threshold === null)
    if (!baseline || runs.length < 2) continue
    const file = `compare-${group.id}.mp4`
    const tiles = runs.map((r) => ({
      label: r.threshold === null ? 'baseline' : `t=${r.threshold}${r.speedup === null ? '' : ` ${r.speedup.toFixed(2)}x`}`,
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
