import type { Frame } from './png.ts'

/**
 * Structural similarity (Wang, Bovik, Sheikh & Simoncelli 2004) in its standard form: an 11x11
 * Gaussian window with sigma 1.5, K1 = 0.01, K2 = 0.03, L = 255, evaluated on luma at every
 * position where the window fits inside the frame ("valid"), and averaged over those positions.
 * Luma is BT.601 (Y = 0.299 R + 0.587 G + 0.114 B), kept unrounded: the metric then does not
 * depend on a colour-to-grey quantisation step.
 */
export const SSIM_WINDOW = 11
export const SSIM_SIGMA = 1.5
export const SSIM_K1 = 0.01
export const SSIM_K2 = 0.03
const L = 255
const C1 = (SSIM_K1 * L) ** 2
const C2 = (SSIM_K2 * L) ** 2

export function luma(frame: Frame): Float64Array {
  const out = new Float64Array(frame.width * frame.height)
  const { rgb } = frame
  for (let i = 0, j = 0; i < out.length; i++, j += 3) out[i] = 0.299 * rgb[j] + 0.587 * rgb[j + 1] + 0.114 * rgb[j + 2]
  return out
}

/** Normalised 1-D Gaussian; the 2-D window is its outer product. */
export function gaussianKernel(size: number, sigma: number): Float64Array {
  const kernel = new Float64Array(size)
  const centre = (size - 1) / 2
  let sum = 0
  for (let i = 0; i < size; i++) sum += kernel[i] = Math.exp(-((i - centre) ** 2) / (2 * sigma * sigma))
  for (let i = 0; i < size; i++) kernel[i] /= sum
  return kernel
}

/** Frames smaller than the window use the largest odd window that fits (a documented deviation). */
export function windowFor(width: number, height: number): number {
  const fit = Math.min(SSIM_WINDOW, width, height)
  return fit % 2 === 1 ? fit : fit - 1
}

/** Separable "valid" filtering of a width x height plane. */
function filterValid(plane: Float64Array, width: number, height: number, kernel: Float64Array): Float64Array {
  const size = kernel.length
  const ow = width - size + 1
  const oh = height - size + 1
  const rows = new Float64Array(ow * height)
  for (let y = 0; y < height; y++) {
    const base = y * width
    for (let x = 0; x < ow; x++) {
      let acc = 0
      for (let k = 0; k < size; k++) acc += kernel[k] * plane[base + x + k]
      rows[y * ow + x] = acc
    }
  }
  const out = new Float64Array(ow * oh)
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let acc = 0
      for (let k = 0; k < size; k++) acc += kernel[k] * rows[(y + k) * ow + x]
      out[y * ow + x] = acc
    }
  }
  return out
}

/** Mean SSIM of two same-sized single-channel planes. */
export function ssimPlane(a: Float64Array, b: Float64Array, width: number, height: number): number {
  if (a.length !== width * height || b.length !== width * height) throw new RangeError('planes must both be width x height')
  const size = windowFor(width, height)
  if (size < 1) throw new RangeError(`cannot compute SSIM of a ${width}x${height} image`)
  const kernel = gaussianKernel(size, SSIM_SIGMA)
  const product = (p: Float64Array, q: Float64Array) => p.map((v, i) => v * q[i])
  const muA = filterValid(a, width, height, kernel)
  const muB = filterValid(b, width, height, kernel)
  const aa = filterValid(product(a, a), width, height, kernel)
  const bb = filterValid(product(b, b), width, height, kernel)
  const ab = filterValid(product(a, b), width, height, kernel)
  let sum = 0
  for (let i = 0; i < muA.length; i++) {
    const ma = muA[i]
    const mb = muB[i]
    const varA = aa[i] - ma * ma
    const varB = bb[i] - mb * mb
    const cov = ab[i] - ma * mb
    sum += ((2 * ma * mb + C1) * (2 * cov + C2)) / ((ma * ma + mb * mb + C1) * (varA + varB + C2))
  }
  return sum / muA.length
}

export function ssim(a: Frame, b: Frame): number {
  if (a.width !== b.width || a.height !== b.height) throw new RangeError(`frames differ in size: ${a.width}x${a.height} vs ${b.width}x${b.height}`)
  return ssimPlane(luma(a), luma(b), a.width, a.height)
}
