import { TeacacheError } from '../errors.ts'
import type { PairMetrics } from './pair.ts'
import { listFrames } from './png.ts'
import { openPool, qualityThreads, type MetricsPool } from './pool.ts'
import { psnrFromMse } from './psnr.ts'

export interface VideoQuality {
  frames: number
  /** Pooled over every frame and RGB channel: +Infinity for identical videos. */
  psnr: number
  mse: number
  /** Mean over frames of the luma SSIM. */
  ssim: number
}

export interface CompareOptions {
  /** A pool shared by many comparisons (a report); without one, a pool of `threads` is opened and closed here. */
  pool?: MetricsPool
  /** Default: qualityThreads() (TEACACHE_QUALITY_THREADS, else the cores, capped). */
  threads?: number
}

/**
 * Compare a video's lossless frames with the reference's, frame pairs spread over the pool's
 * threads, each holding one pair in memory at a time (a 1360x768x81 video would not fit
 * comfortably as a whole).
 */
export async function compareFrameDirs(reference: string, candidate: string, options: CompareOptions = {}): Promise<VideoQuality> {
  const [refs, cands] = await Promise.all([listFrames(reference), listFrames(candidate)])
  if (refs.length === 0) throw new TeacacheError('INPUT', `${reference}: no frame_*.png files`)
  if (refs.length !== cands.length) {
    throw new TeacacheError('INPUT', `${candidate}: ${cands.length} frames, but the reference ${reference} has ${refs.length}`)
  }
  const pool = options.pool ?? openPool(Math.min(options.threads ?? qualityThreads(), refs.length))
  // The first failure decides the outcome: the pair's frames still queued are dropped, not measured.
  const failed = new AbortController()
  try {
    const measured = refs.map((ref, i) => pool.measure(ref, cands[i], failed.signal).catch((error: unknown) => {
      failed.abort(error)
      throw error
    }))
    return poolFrames(await Promise.all(measured))
  } finally {
    if (!options.pool) await pool.close()
  }
}

/** A video's metrics from its frames', summed in frame order whichever thread measured each. */
export function poolFrames(frames: readonly PairMetrics[]): VideoQuality {
  let squared = 0
  let values = 0
  let ssimSum = 0
  for (const frame of frames) {
    squared += frame.squared
    values += frame.values
    ssimSum += frame.ssim
  }
  const mse = squared / values
  return { frames: frames.length, psnr: psnrFromMse(mse), mse, ssim: ssimSum / frames.length }
}
