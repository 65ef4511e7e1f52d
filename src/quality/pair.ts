import { promises as fs } from 'node:fs'
import { TeacacheError } from '../errors.ts'
import { decodePng, type Frame } from './png.ts'
import { squaredErrorSum } from './psnr.ts'
import { luma, ssimPlane } from './ssim.ts'

/**
 * The metrics of one reference/candidate frame pair, in the form a video's metrics are pooled
 * from. Both the main thread and the metric workers (worker.ts) compute them with this one
 * function, so how many threads ran cannot change a result.
 */
export interface PairMetrics {
  width: number
  height: number
  /** Sum of squared RGB differences, and how many values it sums. */
  squared: number
  values: number
  ssim: number
}

export async function measurePair(reference: string, candidate: string): Promise<PairMetrics> {
  const [refBytes, candBytes] = await Promise.all([fs.readFile(reference), fs.readFile(candidate)])
  const a = decode(reference, refBytes)
  const b = decode(candidate, candBytes)
  if (a.width !== b.width || a.height !== b.height) {
    throw new TeacacheError('INPUT', `${candidate}: ${b.width}x${b.height}, but the reference frame is ${a.width}x${a.height}`)
  }
  return {
    width: a.width,
    height: a.height,
    squared: squaredErrorSum(a.rgb, b.rgb),
    values: a.rgb.length,
    ssim: ssimPlane(luma(a), luma(b), a.width, a.height),
  }
}

function decode(path: string, bytes: Buffer): Frame {
  try {
    return decodePng(bytes)
  } catch (error) {
    throw new TeacacheError('INPUT', `${path}: not a readable PNG (${(error as Error).message})`)
  }
}
