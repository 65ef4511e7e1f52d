import { TeacacheError } from '../errors.ts'

/**
 * Least-squares polynomial fit for calibrating the TeaCache rescale polynomial.
 *
 * Indicator distances are small (about 0.001 to 0.3), so a raw Vandermonde matrix of x^0..x^4
 * spans ten orders of magnitude and the normal equations lose most of their digits. The fit
 * therefore maps x onto t in [-1, 1], solves with Householder QR (no normal equations), and
 * only then expands the polynomial in t back to powers of x.
 */

export interface Fit {
  /** Highest power first, as the policy takes them. */
  coefficients: number[]
  /** Coefficient of determination over the pairs (1 when y is constant and fitted exactly). */
  r2: number
  /** Root mean square residual. */
  rmse: number
  pairs: number
  xRange: [number, number]
}

export const DEGREE = 4

export function polyfit(xs: readonly number[], ys: readonly number[], degree = DEGREE): Fit {
  const n = degree + 1
  if (xs.length !== ys.length) throw new RangeError(`polyfit: ${xs.length} x values but ${ys.length} y values`)
  const bad = xs.findIndex((x, i) => !Number.isFinite(x) || !Number.isFinite(ys[i]))
  if (bad >= 0) throw new TeacacheError('INPUT', `pairs[${bad}]: expected finite numbers, got x=${xs[bad]}, y=${ys[bad]}`)
  if (xs.length < n) {
    throw new TeacacheError('INPUT', `pairs: a degree-${degree} fit needs at least ${n} pairs, got ${xs.length}; use more steps or more prompts`)
  }
  const lo = Math.min(...xs)
  const hi = Math.max(...xs)
  if (lo === hi) throw new TeacacheError('INPUT', `pairs: every x (indicator distance) is ${lo}; a curve cannot be fitted to a constant x`)
  const distinct = new Set(xs).size
  if (distinct < n) {
    throw new TeacacheError('INPUT', `pairs: a degree-${degree} fit needs at least ${n} distinct x values, got ${distinct}; use more steps`)
  }

  const center = (lo + hi) / 2
  const half = (hi - lo) / 2
  const rows = xs.map((x) => powers((x - center) / half, degree))
  const inT = solveLeastSquares(rows, [...ys])
  const coefficients = expand(inT, center, half).reverse()

  const evaluate = (x: number) => coefficients.reduce((acc, c) => acc * x + c, 0)
  const mean = ys.reduce((a, b) => a + b, 0) / ys.length
  let ssRes = 0
  let ssTot = 0
  for (const [i, x] of xs.entries()) {
    ssRes += (ys[i] - evaluate(x)) ** 2
    ssTot += (ys[i] - mean) ** 2
  }
  return {
    coefficients,
    r2: ssTot > 0 ? 1 - ssRes / ssTot : 1,
    rmse: Math.sqrt(ssRes / ys.length),
    pairs: xs.length,
    xRange: [lo, hi],
  }
}

function powers(t: number, degree: number): number[] {
  const row = [1]
  for (let k = 1; k <= degree; k++) row.push(row[k - 1] * t)
  return row
}

/** min ||A a - b|| by Householder QR; A is m x n with m >= n, modified in place. */
export function solveLeastSquares(a: number[][], b: number[]): number[] {
  const m = a.length
  const n = a[0].length
  const scale = Math.max(...a.map((row) => Math.max(...row.map(Math.abs))))
  for (let k = 0; k < n; k++) {
    let norm = 0
    for (let i = k; i < m; i++) norm += a[i][k] ** 2
    norm = Math.sqrt(norm)
    // A column that vanishes below the diagonal makes the problem rank-deficient.
    if (norm <= 1e-12 * scale * Math.sqrt(m)) throw new TeacacheError('INPUT', 'pairs: the x values are too close together to fit a degree-4 curve')
    const alpha = a[k][k] > 0 ? -norm : norm
    const v = a.slice(k).map((row) => row[k])
    v[0] -= alpha
    const vv = v.reduce((s, x) => s + x * x, 0)
    const reflect = (get: (i: number) => number, set: (i: number, x: number) => void) => {
      let dot = 0
      for (let i = 0; i < v.length; i++) dot += v[i] * get(i + k)
      const f = (2 * dot) / vv
      for (let i = 0; i < v.length; i++) set(i + k, get(i + k) - f * v[i])
    }
    for (let j = k; j < n; j++) reflect((i) => a[i][j], (i, x) => (a[i][j] = x))
    reflect((i) => b[i], (i, x) => (b[i] = x))
  }
  // Back substitution on R.
  const solution = new Array<number>(n).fill(0)
  for (let k = n - 1; k >= 0; k--) {
    let s = b[k]
    for (let j = k + 1; j < n; j++) s -= a[k][j] * solution[j]
    solution[k] = s / a[k][k]
  }
  return solution
}

/** sum_k c_k ((x - center) / half)^k as sum_j d_j x^j (lowest power first). */
function expand(c: readonly number[], center: number, half: number): number[] {
  const out = new Array<number>(c.length).fill(0)
  for (let k = 0; k < c.length; k++) {
    // ((x - center)/half)^k = half^-k * sum_j C(k, j) x^j (-center)^(k-j)
    let binomial = 1
    for (let j = 0; j <= k; j++) {
      if (j > 0) binomial = (binomial * (k - j + 1)) / j
      out[j] += (c[k] * binomial * (-center) ** (k - j)) / half ** k
    }
  }
  return out
}
