/**
 * Peak signal-to-noise ratio of 8-bit images. A video's PSNR is taken from the mean squared error
 * pooled over all its frames and channels, so identical videos give +Infinity and one bad frame
 * cannot be averaged away by an infinite value elsewhere.
 */
export const PEAK = 255

export function squaredErrorSum(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new RangeError(`images differ in size: ${a.length} vs ${b.length} values`)
  let sum = 0
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i]
    sum += d * d
  }
  return sum
}

/** Sum of |a - b| over the values: a frame's change from the one before (temporal consistency). */
export function absoluteErrorSum(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new RangeError(`images differ in size: ${a.length} vs ${b.length} values`)
  let sum = 0
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i])
  return sum
}

export function psnrFromMse(mse: number, peak = PEAK): number {
  if (!(mse >= 0)) throw new RangeError(`mean squared error must be >= 0, got ${mse}`)
  return mse === 0 ? Infinity : 10 * Math.log10((peak * peak) / mse)
}

export function psnr(a: Uint8Array, b: Uint8Array): number {
  return psnrFromMse(squaredErrorSum(a, b) / a.length)
}
