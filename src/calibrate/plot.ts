import { rescale } from '../policy/teacache.ts'

/**
 * The calibration pairs and the fitted curve as a standalone SVG, so the fit can be judged by eye
 * (a good R² over a narrow or clumped x range can still extrapolate badly).
 */

export interface PlotInput {
  xs: readonly number[]
  ys: readonly number[]
  coefficients: readonly number[]
  title: string
}

const WIDTH = 640
const HEIGHT = 420
const MARGIN = { left: 70, right: 20, top: 40, bottom: 56 }

/** The first lines of every plot calibrate writes: how `--force` recognises one it may replace. */
export const PLOT_HEADER =
  `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">\n` +
  `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`

export function calibrationSvg({ xs, ys, coefficients, title }: PlotInput): string {
  const curve = Array.from({ length: 121 }, (_, i) => {
    const x = Math.min(...xs) + ((Math.max(...xs) - Math.min(...xs)) * i) / 120
    return [x, rescale(coefficients, x)] as const
  })
  const xTicks = niceTicks(Math.min(0, ...xs), Math.max(...xs))
  const yTicks = niceTicks(Math.min(0, ...ys, ...curve.map(([, y]) => y)), Math.max(...ys, ...curve.map(([, y]) => y)))
  const [x0, x1] = [xTicks[0], xTicks.at(-1)!]
  const [y0, y1] = [yTicks[0], yTicks.at(-1)!]
  const plotW = WIDTH - MARGIN.left - MARGIN.right
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom
  const px = (x: number) => MARGIN.left + ((x - x0) / (x1 - x0 || 1)) * plotW
  const py = (y: number) => MARGIN.top + plotH - ((y - y0) / (y1 - y0 || 1)) * plotH
  const f = (n: number) => n.toFixed(1)

  const parts = [
    PLOT_HEADER,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="14">${escape(title)}</text>`,
    ...xTicks.map((t) => `<line x1="${f(px(t))}" y1="${MARGIN.top}" x2="${f(px(t))}" y2="${MARGIN.top + plotH}" stroke="#eee"/><text x="${f(px(t))}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${label(t)}</text>`),
    ...yTicks.map((t) => `<line x1="${MARGIN.left}" y1="${f(py(t))}" x2="${MARGIN.left + plotW}" y2="${f(py(t))}" stroke="#eee"/><text x="${MARGIN.left - 6}" y="${f(py(t) + 4)}" text-anchor="end">${label(t)}</text>`),
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 14}" text-anchor="middle">indicator distance x (relative L1 change of the timestep embedding)</text>`,
    `<text transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">output change y (relative L1)</text>`,
    `<g fill="#1f77b4" fill-opacity="0.6">${xs.map((x, i) => `<circle cx="${f(px(x))}" cy="${f(py(ys[i]))}" r="3"/>`).join('')}</g>`,
    `<polyline fill="none" stroke="#d62728" stroke-width="2" points="${curve.map(([x, y]) => `${f(px(x))},${f(py(y))}`).join(' ')}"/>`,
    `<g transform="translate(${MARGIN.left + 12} ${MARGIN.top + 14})"><circle r="3" fill="#1f77b4"/><text x="8" y="4">pairs</text>` +
      `<line x1="60" y1="0" x2="80" y2="0" stroke="#d62728" stroke-width="2"/><text x="86" y="4">fitted degree-4 polynomial</text></g>`,
    '</svg>',
  ]
  return `${parts.join('\n')}\n`
}

/** Round tick values (1, 2 or 5 times a power of ten) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, target = 6): number[] {
  if (!(hi > lo)) hi = lo + (Math.abs(lo) || 1)
  const raw = (hi - lo) / target
  const power = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!
  const ticks: number[] = []
  for (let t = Math.floor(lo / step) * step; t < hi + step * 0.999; t += step) ticks.push(Number(t.toPrecision(12)))
  return ticks
}

function label(n: number): string {
  return Math.abs(n) >= 1e4 || (n !== 0 && Math.abs(n) < 1e-3) ? n.toExponential(1) : String(Number(n.toPrecision(4)))
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
