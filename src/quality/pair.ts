import { promises as fs } from 'node:fs'
import { TeacacheError } from '../errors.ts'
import { decodePng, type Frame } from './png.ts'
import { absoluteErrorSum, squaredErrorSum } from './psnr.ts'
import { luma, ssimPlane } from './ssim.ts'

/**
 * The metrics of one reference/candidate frame pair, in the form a video's metrics are pooled
 * from. Both the main thread and the metric workers (worker.ts) compute them with these
 * functions, so how many threads ran cannot change a result.
 */
export interface PairMetrics {
  width: number
  height: number
  /** Sum of squared RGB differences, and how many values it sums. */
  squared: number
  values: number
  ssim: number
  /**
   * Sums of |x_t - x_(t-1)| over the RGB values of each video's frame and the frame before it:
   * how much each video changes into this frame (temporal consistency, video.ts). Null for a
   * video's first frame.
   */
  motion: { reference: number; candidate: number } | null
}

/**
 * Consecutive frames of one pair of videos, measured in one go so that each frame's change from
 * the one before costs no second decode. `previous` is the frame pair just before the span (null
 * when the span starts the video): decoded only for the change into the span's first frame.
 */
export interface Span {
  references: string[]
  candidates: string[]
  previous: { reference: string; candidate: string } | null
}

export async function measurePair(reference: string, candidate: string): Promise<PairMetrics> {
  return (await measureSpan({ references: [reference], candidates: [candidate], previous: null }))[0]
}

export async function measureSpan(span: Span): Promise<PairMetrics[]> {
  // Spans measured at once on one thread (a report's main thread) each take their own buffers.
  const buffers = spare.pop() ?? newBuffers()
  try {
    const out: PairMetrics[] = []
    let before: [Frame, Frame] | null = null
    if (span.previous) before = await decodePair(span.previous.reference, span.previous.candidate, buffers, 1)
    for (let i = 0; i < span.references.length; i++) {
      const [a, b] = await decodePair(span.references[i], span.candidates[i], buffers, i % 2 === 0 ? 0 : 1)
      out.push({
        width: a.width,
        height: a.height,
        squared: squaredErrorSum(a.rgb, b.rgb),
        values: a.rgb.length,
        ssim: ssimPlane(luma(a, buffers.luma[0]), luma(b, buffers.luma[1]), a.width, a.height),
        motion: before ? { reference: change(before[0], a, span.references[i]), candidate: change(before[1], b, span.candidates[i]) } : null,
      })
      before = [a, b]
    }
    return out
  } finally {
    spare.push(buffers)
  }
}

function change(previous: Frame, frame: Frame, path: string): number {
  if (previous.width !== frame.width || previous.height !== frame.height) {
    throw new TeacacheError('INPUT', `${path}: ${frame.width}x${frame.height}, but the frame before it is ${previous.width}x${previous.height}`)
  }
  return absoluteErrorSum(previous.rgb, frame.rgb)
}

/** Decodes into slot `slot` (0 or 1) of the buffers: a span alternates, keeping the frame before. */
async function decodePair(reference: string, candidate: string, buffers: Buffers, slot: 0 | 1): Promise<[Frame, Frame]> {
  const [refBytes, candBytes] = await Promise.all([fs.readFile(reference), fs.readFile(candidate)])
  const a = decode(reference, refBytes, buffers.rgb[slot][0])
  const b = decode(candidate, candBytes, buffers.rgb[slot][1])
  if (a.width !== b.width || a.height !== b.height) {
    throw new TeacacheError('INPUT', `${candidate}: ${b.width}x${b.height}, but the reference frame is ${a.width}x${a.height}`)
  }
  keep(buffers, slot, a, b)
  return [a, b]
}

function decode(path: string, bytes: Buffer, into: Uint8Array | undefined): Frame {
  try {
    return decodePng(bytes, into)
  } catch (error) {
    throw new TeacacheError('INPUT', `${path}: not a readable PNG (${(error as Error).message})`)
  }
}

/**
 * Pixel and luma buffers kept from pair to pair (44 MB at 1360x768 with the frame before).
 * Allocating them afresh for every frame made each pair pay for page faults and for the
 * collections that so much external memory forces, which in a process with a larger heap (the
 * CLI's) cost 10% of the time.
 */
interface Buffers {
  /** [slot][reference, candidate] */
  rgb: Array<Array<Uint8Array | undefined>>
  luma: Float64Array[]
}

const spare: Buffers[] = []
const newBuffers = (): Buffers => ({ rgb: [[], []], luma: [new Float64Array(0), new Float64Array(0)] })

function keep(buffers: Buffers, slot: 0 | 1, a: Frame, b: Frame): void {
  const size = a.width * a.height
  for (const [i, frame] of [a, b].entries()) {
    const kept = buffers.rgb[slot][i]
    if (!kept || kept.length < size * 3) buffers.rgb[slot][i] = frame.rgb
    if (buffers.luma[i].length < size) buffers.luma[i] = new Float64Array(size)
  }
}
