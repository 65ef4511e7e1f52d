import { TeacacheError } from '../errors.ts'
import { listFrames, readPng } from './png.ts'
import { squaredErrorSum, psnrFromMse } from './psnr.ts'
import { ssim } from './ssim.ts'

export interface VideoQuality {
  frames: number
  /** Pooled over every frame and RGB channel: +Infinity for identical videos. */
  psnr: number
  mse: number
  /** Mean over frames of the luma SSIM. */
  ssim: number
}

/**
 * Compare a video's lossless frames with the reference's, one frame pair in memory at a time
 * (a 1360x768x81 video would not fit comfortably as a whole).
 */
export async function compareFrameDirs(reference: string, candidate: string): Promise<VideoQuality> {
  const [refs, cands] = await Promise.all([listFrames(reference), listFrames(candidate)])
  if (refs.length === 0) throw new TeacacheError('INPUT', `${reference}: no frame_*.png files`)
  if (refs.length !== cands.length) {
    throw new TeacacheError('INPUT', `${candidate}: ${cands.length} frames, but the reference ${reference} has ${refs.length}`)
  }
  let squared = 0
  let values = 0
  let ssimSum = 0
  for (let i = 0; i < refs.length; i++) {
    const [a, b] = await Promise.all([readPng(refs[i]), readPng(cands[i])])
    if (a.width !== b.width || a.height !== b.height) {
      throw new TeacacheError('INPUT', `${cands[i]}: ${b.width}x${b.height}, but the reference frame is ${a.width}x${a.height}`)
    }
    squared += squaredErrorSum(a.rgb, b.rgb)
    values += a.rgb.length
    ssimSum += ssim(a, b)
  }
  const mse = squared / values
  return { frames: refs.length, psnr: psnrFromMse(mse), mse, ssim: ssimSum / refs.length }
}
