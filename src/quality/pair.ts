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
  // From here to the return nothing awaits: the kept buffers cannot be shared by two pairs at once.
  const a = decode(reference, refBytes, kept.rgb[0])
  const b = decode(candidate, candBytes, kept.rgb[1])
  if (a.width !== b.width || a.height !== b.height) {
    throw new TeacacheError('INPUT', `${candidate}: ${b.width}x${b.height}, but the reference frame is ${a.width}x${a.height}`)
  }
  keep(a, b)
  return {
    width: a.width,
    height: a.height,
    squared: squaredErrorSum(a.rgb, b.rgb),
    values: a.rgb.length,
    ssim: ssimPlane(luma(a, kept.luma[0]), luma(b, kept.luma[1]), a.width, a.height),
  }
}

function decode(path: string, bytes: Buffer, into: Uint8Array | undefined): Frame {
  try {
    return decodePng(bytes, into)
  } catch (error) {
    throw new TeacacheError('INPUT', `${path}: not a readable PNG (${(error as Error).message})`)
  }
}

/**
 * Pixel and luma buffers kept from pair to pair (22 MB at 1360x768). Allocating them afresh for
 * every frame made each pair pay for page faults and for the collections that so much external
 * memory forces, which in a process with a larger heap (the CLI's) cost 10% of the time.
 */
const kept: { rgb: Uint8Array[]; luma: Float64Array[] } = { rgb: [], luma: [] }

function keep(a: Frame, b: Frame): void {
  const size = a.width * a.height
  for (const [i, frame] of [a, b].entries()) {
    if (!kept.rgb[i] || kept.rgb[i].length < size * 3) kept.rgb[i] = frame.rgb
    if (!kept.luma[i] || kept.luma[i].length < size) kept.luma[i] = new Float64Array(size)
  }
}
