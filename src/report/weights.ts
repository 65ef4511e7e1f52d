import { RANDOM_MODELS, TINY_MODELS } from '../model/resolve.ts'

/**
 * Whether the sweep's quality figures can mean anything. The built-in tiny models and random-5b
 * have random weights: their "videos" are patterns, not pictures, and a cache's PSNR of 50 dB
 * on them says nothing about what it does to a trained model's videos. Both reports say so.
 */
export function randomWeights(model: string | null | undefined): boolean {
  return model != null && (model in TINY_MODELS || model in RANDOM_MODELS)
}

export function randomWeightsNote(model: string): string {
  return `The model \`${model}\` has random weights: its videos are patterns, not pictures. PSNR, SSIM, the temporal figure and LPIPS here measure ` +
    'only how far each cached video departs from the uncached one in numbers, not what a cache does to a real video; they mean nothing about quality. ' +
    'Judge quality on a trained model.'
}
