import { TeacacheError } from '../errors.ts'
import type { PairMetrics, Span } from './pair.ts'
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
  /** Mean over frames 1..n-1 of `flicker` per frame (see FrameSeries); null for a one-frame video. */
  flicker: number | null
  perFrame: FrameSeries
}

/** One entry per frame, in frame order. */
export interface FrameSeries {
  mse: number[]
  /** +Infinity where the frames are identical. */
  psnr: number[]
  ssim: number[]
  /**
   * How much each video changes into a frame: mean |x_t - x_(t-1)| over the frame's RGB values,
   * in 8-bit levels; null at frame 0.
   */
  motion: { reference: Array<number | null>; candidate: Array<number | null> }
  /**
   * Temporal consistency: |candidate motion - reference motion| at each frame, in 8-bit levels
   * (null at frame 0). 0 when the cached video changes from frame to frame exactly as much as the
   * baseline; a flicker (a frame that jumps and jumps back) or a stall (a frame held while the
   * baseline moves) shows as a spike at that frame, which a pooled PSNR averages away.
   */
  flicker: Array<number | null>
}

export interface CompareOptions {
  /** A pool shared by many comparisons (a report); without one, a pool of `threads` is opened and closed here. */
  pool?: MetricsPool
  /** Default: qualityThreads() (TEACACHE_QUALITY_THREADS, else the cores, capped). */
  threads?: number
}

/** Longest span of consecutive frames one thread measures: each span decodes one frame pair twice. */
const SPAN_MAX = 16

/**
 * Compare a video's lossless frames with the reference's, in spans of consecutive frames spread
 * over the pool's threads, each thread holding one pair and the pair before it in memory at a
 * time (a 1360x768x81 video would not fit comfortably as a whole).
 */
export async function compareFrameDirs(reference: string, candidate: string, options: CompareOptions = {}): Promise<VideoQuality> {
  const [refs, cands] = await Promise.all([listFrames(reference), listFrames(candidate)])
  if (refs.length === 0) throw new TeacacheError('INPUT', `${reference}: no frame_*.png files`)
  if (refs.length !== cands.length) {
    throw new TeacacheError('INPUT', `${candidate}: ${cands.length} frames, but the reference ${reference} has ${refs.length}`)
  }
  const pool = options.pool ?? openPool(Math.min(options.threads ?? qualityThreads(), refs.length))
  // The first failure decides the outcome: the pair's spans still queued are dropped, not measured.
  const failed = new AbortController()
  try {
    const measured = spans(refs, cands, pool.threads).map((span) => pool.measure(span, failed.signal).catch((error: unknown) => {
      failed.abort(error)
      throw error
    }))
    return poolFrames((await Promise.all(measured)).flat())
  } finally {
    if (!options.pool) await pool.close()
  }
}

/** Enough spans to keep `threads` busy on one video, none longer than SPAN_MAX. */
export function spans(refs: readonly string[], cands: readonly string[], threads: number): Span[] {
  const length = Math.max(1, Math.min(SPAN_MAX, Math.ceil(refs.length / Math.max(1, threads))))
  const out: Span[] = []
  for (let start = 0; start < refs.length; start += length) {
    out.push({
      references: refs.slice(start, start + length),
      candidates: cands.slice(start, start + length),
      previous: start === 0 ? null : { reference: refs[start - 1], candidate: cands[start - 1] },
    })
  }
  return out
}

/** A video's metrics from its frames', summed in frame order whichever thread measured each. */
export function poolFrames(frames: readonly PairMetrics[]): VideoQuality {
  let squared = 0
  let values = 0
  let ssimSum = 0
  const perFrame: FrameSeries = { mse: [], psnr: [], ssim: [], motion: { reference: [], candidate: [] }, flicker: [] }
  for (const frame of frames) {
    squared += frame.squared
    values += frame.values
    ssimSum += frame.ssim
    const mse = frame.squared / frame.values
    perFrame.mse.push(mse)
    perFrame.psnr.push(psnrFromMse(mse))
    perFrame.ssim.push(frame.ssim)
    const reference = frame.motion ? frame.motion.reference / frame.values : null
    const candidate = frame.motion ? frame.motion.candidate / frame.values : null
    perFrame.motion.reference.push(reference)
    perFrame.motion.candidate.push(candidate)
    perFrame.flicker.push(reference === null || candidate === null ? null : Math.abs(candidate - reference))
  }
  const mse = squared / values
  return { frames: frames.length, psnr: psnrFromMse(mse), mse, ssim: ssimSum / frames.length, flicker: meanFlicker(perFrame.flicker), perFrame }
}

/** The mean of the per-frame figures that exist (every frame but the first); null when none does. */
export function meanFlicker(series: ReadonlyArray<number | null>): number | null {
  const values = series.filter((x): x is number => x !== null)
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length
}
