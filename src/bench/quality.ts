import { cpus } from 'node:os'
import { openPool } from '../quality/pool.ts'
import { compareFrameDirs, type VideoQuality } from '../quality/video.ts'
import { foreignLoad, machineBusySeconds } from './cpu-time.ts'
import type { BenchHeader } from './machine.ts'
import { summarize, type Summary } from './stats.ts'
import { writeSyntheticPair, type SyntheticVideo } from './synthetic-frames.ts'

/**
 * `teacache bench --mode quality`: how long the report's PSNR/SSIM of one video pair takes, on
 * one thread and on the worker pool, from synthetic frame folders (Node only: no Python, no GPU).
 */
export const QUALITY_GOAL = { seconds: 3, threads: 16, frames: 81, width: 1360, height: 768 }

export interface Samples {
  wall_s: number[]
  /** CPU seconds of the whole process, all its threads. */
  cpu_s: number[]
  /** Other processes' share of the machine while each sample ran (null off Linux). */
  foreign_share: Array<number | null>
}

export interface QualityMeasurements {
  video: SyntheticVideo & { png_bytes_per_frame: number; write_s: number }
  threads: number
  /** Every frame pair on the calling thread, as with TEACACHE_QUALITY_THREADS=1. */
  single: Samples
  /** A fresh pool's first pair: starting the workers (and their TypeScript) included. */
  poolFirst: Samples
  /** The same pool's next pair, as every pair after the first in a report. */
  pool: Samples
  /** The pooled figures only: the per-frame series would swamp the results file. */
  quality: Pick<VideoQuality, 'frames' | 'psnr' | 'mse' | 'ssim'>
  /** Every sample, single thread or pool, gave exactly the same PSNR, MSE and SSIM. */
  identical: boolean
}

const empty = (): Samples => ({ wall_s: [], cpu_s: [], foreign_share: [] })

async function timed<T>(into: Samples, work: () => Promise<T>): Promise<T> {
  const busy = machineBusySeconds()
  const cpu = process.cpuUsage()
  const started = performance.now()
  const value = await work()
  const wall = (performance.now() - started) / 1000
  const used = process.cpuUsage(cpu)
  const ours = (used.user + used.system) / 1e6
  const busyNow = machineBusySeconds()
  into.wall_s.push(wall)
  into.cpu_s.push(ours)
  into.foreign_share.push(busy === null || busyNow === null ? null : foreignLoad(busyNow - busy, ours, wall, cpus().length))
  return value
}

export async function measureQualityBench(options: SyntheticVideo & { repeats: number; threads: number; workDir: string; onProgress?: (text: string) => void }): Promise<QualityMeasurements> {
  const say = options.onProgress ?? (() => {})
  const { frames, width, height } = options
  say(`writing a synthetic ${frames}-frame ${width}x${height} pair of PNG folders`)
  const started = performance.now()
  const pair = await writeSyntheticPair(options.workDir, { frames, width, height })
  const video = { frames, width, height, png_bytes_per_frame: pair.bytes / (2 * frames), write_s: (performance.now() - started) / 1000 }

  const m = { single: empty(), poolFirst: empty(), pool: empty() }
  const results: VideoQuality[] = []
  const single = async () => {
    results.push(await timed(m.single, () => compareFrameDirs(pair.reference, pair.candidate, { threads: 1 })))
  }
  const pooled = async () => {
    const pool = openPool(options.threads)
    try {
      results.push(await timed(m.poolFirst, () => compareFrameDirs(pair.reference, pair.candidate, { pool })))
      results.push(await timed(m.pool, () => compareFrameDirs(pair.reference, pair.candidate, { pool })))
    } finally {
      await pool.close()
    }
  }
  // Alternating order (AB BA ...), so a slow minute of a shared machine does not land on one side only.
  for (let round = 0; round < options.repeats; round++) {
    say(`round ${round + 1}/${options.repeats}: 1 thread and a pool of ${options.threads}`)
    for (const run of round % 2 === 0 ? [single, pooled] : [pooled, single]) await run()
  }
  const same = (q: VideoQuality) => Object.is(q.psnr, results[0].psnr) && Object.is(q.mse, results[0].mse) && Object.is(q.ssim, results[0].ssim)
  return { video, threads: options.threads, ...m, quality: { frames: results[0].frames, psnr: results[0].psnr, mse: results[0].mse, ssim: results[0].ssim }, identical: results.every(same) }
}

export interface QualityBenchResults extends BenchHeader {
  format: 'teacache-bench-quality/1'
  versions: { node: string }
  video: QualityMeasurements['video']
  settings: { repeats: number; threads: number; order: string }
  single_thread: { seconds: Summary; cpu_s: Summary; samples: Samples }
  pool: { threads: number; seconds: Summary; cpu_s: Summary; first_pair_s: Summary; speedup: number; efficiency: number; samples: Samples; first_pair_samples: Samples }
  /** CPU milliseconds per frame pair inside the pool: the per-core cost a bigger machine divides. */
  cpu_ms_per_frame: number
  projection: { threads: number; seconds: number; basis: string }
  goal: { seconds: number; threads: number; measured_threads: number; measured_seconds: number; met: 'yes' | 'no' | 'projected yes' | 'projected no' | 'not applicable' }
  metrics: { psnr: number; ssim: number; mse: number; identical_across_threads_and_rounds: boolean }
  foreign_share_median: number | null
  notes: string[]
}

export function analyzeQualityBench(m: QualityMeasurements, { repeats, ...header }: BenchHeader & { repeats: number }): QualityBenchResults {
  const single = summarize(m.single.wall_s)
  const pool = summarize(m.pool.wall_s)
  const poolCpu = summarize(m.pool.cpu_s)
  const cpuPerFrame = poolCpu.median / m.video.frames
  const perThread = Math.ceil(m.video.frames / QUALITY_GOAL.threads)
  const projected = perThread * cpuPerFrame
  const speedup = single.median / pool.median
  const shares = [...m.single.foreign_share, ...m.pool.foreign_share, ...m.poolFirst.foreign_share].filter((s): s is number => s !== null)
  const fullSize = m.video.frames === QUALITY_GOAL.frames && m.video.width === QUALITY_GOAL.width && m.video.height === QUALITY_GOAL.height
  const met: QualityBenchResults['goal']['met'] = m.threads >= QUALITY_GOAL.threads ? (pool.median <= QUALITY_GOAL.seconds ? 'yes' : 'no') : projected <= QUALITY_GOAL.seconds ? 'projected yes' : 'projected no'
  const frameWord = perThread === 1 ? 'frame' : 'frames'
  const notes = [
    `Projection, not a measurement: ${QUALITY_GOAL.threads} threads share ${m.video.frames} frames as at most ${perThread} per thread; at the ${(cpuPerFrame * 1000).toFixed(0)} ms of CPU per frame measured in this pool that is ${projected.toFixed(2)} s. It assumes each of the ${QUALITY_GOAL.threads} cores is as fast as one here and that memory bandwidth does not limit them.`,
    `Parallel efficiency here: ${((speedup / m.threads) * 100).toFixed(0)}% of ${m.threads} threads (single-thread median ${single.median.toFixed(2)} s / pool median ${pool.median.toFixed(2)} s).`,
  ]
  if (!m.identical) notes.push('The metrics differed between samples: the pool must give exactly the single-thread result; this is a bug.')
  if (!fullSize) notes.push(`Not the full-size pair of the goal (${QUALITY_GOAL.frames} frames of ${QUALITY_GOAL.width}x${QUALITY_GOAL.height}): the goal row does not apply.`)
  const shareMedian = shares.length ? summarize(shares).median : null
  if (shareMedian !== null && shareMedian > 0.1) notes.push(`Other processes used a median ${(shareMedian * 100).toFixed(0)}% of the machine during the samples: wall times carry that; the CPU times do not.`)
  return {
    format: 'teacache-bench-quality/1',
    ...header,
    versions: { node: process.version },
    video: m.video,
    settings: { repeats, threads: m.threads, order: 'alternating rounds: 1 thread, then a fresh pool measuring the pair twice (first pair, then warm); the next round the other way round' },
    single_thread: { seconds: single, cpu_s: summarize(m.single.cpu_s), samples: m.single },
    pool: { threads: m.threads, seconds: pool, cpu_s: poolCpu, first_pair_s: summarize(m.poolFirst.wall_s), speedup, efficiency: speedup / m.threads, samples: m.pool, first_pair_samples: m.poolFirst },
    cpu_ms_per_frame: cpuPerFrame * 1000,
    projection: { threads: QUALITY_GOAL.threads, seconds: projected, basis: `ceil(${m.video.frames}/${QUALITY_GOAL.threads}) = ${perThread} ${frameWord} per thread x ${(cpuPerFrame * 1000).toFixed(1)} ms CPU per frame (pool median)` },
    goal: { seconds: QUALITY_GOAL.seconds, threads: QUALITY_GOAL.threads, measured_threads: m.threads, measured_seconds: pool.median, met: fullSize ? met : 'not applicable' },
    metrics: { psnr: m.quality.psnr, ssim: m.quality.ssim, mse: m.quality.mse, identical_across_threads_and_rounds: m.identical },
    foreign_share_median: shareMedian,
    notes,
  }
}
