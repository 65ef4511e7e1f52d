import { z } from 'zod'
import { fastList, isNullableNumber, isNumber } from '../util/fast-list.ts'
import { PEAK, psnrFromMse } from './psnr.ts'
import { meanFlicker, type VideoQuality } from './video.ts'

/**
 * A video's metrics as JSON keeps them (quality.json), and the checks that decide whether stored
 * metrics can be believed. A file is input like any other: one edited by hand, cut short or
 * written for other frames is measured again rather than reported. Every number must be in its
 * range, every per-frame series one entry per frame, and every pooled value what its series give.
 */
const nullableNumber = z.number().nullable()

export const storedSchema = z.object({
  frames: z.number().int().positive(),
  /** Informational only (null for identical videos): psnr is recomputed from mse, which JSON keeps exactly. */
  psnr: nullableNumber,
  mse: z.number(),
  ssim: z.number(),
  flicker: nullableNumber,
  per_frame: z.object({
    psnr: fastList(z.array(nullableNumber), isNullableNumber),
    mse: fastList(z.array(z.number()), isNumber),
    ssim: fastList(z.array(z.number()), isNumber),
    motion: fastList(z.array(nullableNumber), isNullableNumber),
    baseline_motion: fastList(z.array(nullableNumber), isNullableNumber),
    flicker: fastList(z.array(nullableNumber), isNullableNumber),
  }),
})

export type StoredQuality = z.infer<typeof storedSchema>

const MAX_MSE = PEAK * PEAK

export function toStored(q: VideoQuality): StoredQuality {
  const psnr = (x: number) => (Number.isFinite(x) ? x : null)
  return {
    frames: q.frames,
    psnr: psnr(q.psnr),
    mse: q.mse,
    ssim: q.ssim,
    flicker: q.flicker,
    per_frame: {
      psnr: q.perFrame.psnr.map(psnr),
      mse: q.perFrame.mse,
      ssim: q.perFrame.ssim,
      motion: q.perFrame.motion.candidate,
      baseline_motion: q.perFrame.motion.reference,
      flicker: q.perFrame.flicker,
    },
  }
}

export function fromStored(s: StoredQuality): VideoQuality {
  const f = s.per_frame
  return {
    frames: s.frames,
    psnr: psnrFromMse(s.mse),
    mse: s.mse,
    ssim: s.ssim,
    flicker: s.flicker,
    perFrame: { mse: f.mse, psnr: f.mse.map((m) => psnrFromMse(m)), ssim: f.ssim, motion: { reference: f.baseline_motion, candidate: f.motion }, flicker: f.flicker },
  }
}

/** Equal up to the rounding of summing in another order. */
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b))
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
const inRange = (x: number, lo: number, hi: number) => Number.isFinite(x) && x >= lo && x <= hi
/** A stored PSNR: null exactly when the MSE is 0 (identical), else the MSE's PSNR, which is never negative. */
const psnrFits = (psnr: number | null, mse: number) => (mse === 0 ? psnr === null : psnr !== null && psnr >= 0 && close(psnr, psnrFromMse(mse)))

/** Why stored metrics cannot be believed for a video of `frames` frames; null when they can. */
export function storedProblem(s: StoredQuality, frames: number | null): string | null {
  const f = s.per_frame
  if (frames !== null && s.frames !== frames) return `frames: ${s.frames}, but the run has ${frames}`
  for (const [name, series] of Object.entries(f)) {
    if (series.length !== s.frames) return `per_frame.${name}: ${series.length} entries for ${s.frames} frames`
  }
  const bad = (name: string, i: number) => `per_frame.${name}[${i}] out of range or inconsistent`
  for (let i = 0; i < s.frames; i++) {
    if (!inRange(f.mse[i], 0, MAX_MSE)) return bad('mse', i)
    if (!psnrFits(f.psnr[i], f.mse[i])) return bad('psnr', i)
    if (!inRange(f.ssim[i], -1, 1)) return bad('ssim', i)
    const [m, b, d] = [f.motion[i], f.baseline_motion[i], f.flicker[i]]
    if (i === 0 ? m !== null || b !== null || d !== null : m === null || b === null || d === null) return bad('motion', i)
    if (i > 0 && (!inRange(m!, 0, PEAK) || !inRange(b!, 0, PEAK) || !close(d!, Math.abs(m! - b!)))) return bad('flicker', i)
  }
  if (!inRange(s.mse, 0, MAX_MSE) || !close(s.mse, mean(f.mse))) return 'mse: not the mean of its frames'
  if (!psnrFits(s.psnr, s.mse)) return 'psnr: not the PSNR of its mse'
  if (!inRange(s.ssim, -1, 1) || !close(s.ssim, mean(f.ssim))) return 'ssim: out of [-1, 1] or not the mean of its frames'
  const flicker = meanFlicker(f.flicker)
  if (flicker === null ? s.flicker !== null : s.flicker === null || !close(s.flicker, flicker)) return 'flicker: not the mean of its frames'
  return null
}
