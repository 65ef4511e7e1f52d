import { TeacacheError } from '../errors.ts'

/**
 * A quality gate: "psnr>=30,ssim>=0.92". Each metric compares a cached video with the uncached one
 * of the same prompt and seed. PSNR (pooled over the video), SSIM (mean over frames) and
 * min_psnr (the worst frame's PSNR: a flicker in a few frames) must reach a floor; LPIPS (mean
 * over frames, lower is closer) must stay under a ceiling. The gate holds for a candidate when it
 * holds for every tuning prompt x seed (the worst case), or for the `quantile` of them.
 */
export type Metric = 'psnr' | 'ssim' | 'min_psnr' | 'lpips'

export interface Bound {
  metric: Metric
  op: '>=' | '<='
  value: number
}

export type Gate = Bound[]

const METRICS: Record<Metric, { op: '>=' | '<='; range: [number, number]; unit: string }> = {
  psnr: { op: '>=', range: [0, Infinity], unit: 'dB' },
  min_psnr: { op: '>=', range: [0, Infinity], unit: 'dB' },
  ssim: { op: '>=', range: [-1, 1], unit: '' },
  lpips: { op: '<=', range: [0, Infinity], unit: '' },
}

const bad = (message: string) => new TeacacheError('CONFIG', `--gate: ${message}`)

export function parseGate(text: string): Gate {
  const items = text.split(',').map((s) => s.trim())
  if (items.length === 0 || items.some((s) => s === '')) throw bad(`expected metric>=value items separated by commas (e.g. "psnr>=30,ssim>=0.92"), got "${text}"`)
  const gate: Gate = []
  for (const item of items) {
    const match = /^([a-z_]+)\s*(>=|<=)\s*(\S+)$/.exec(item)
    if (!match) throw bad(`expected metric>=value or metric<=value, got "${item}"`)
    const [, name, op, raw] = match
    if (!(name in METRICS)) throw bad(`unknown metric "${name}"; expected ${Object.keys(METRICS).join(', ')}`)
    const metric = name as Metric
    const rule = METRICS[metric]
    if (op !== rule.op) throw bad(`${metric} must be ${rule.op === '>=' ? 'at least' : 'at most'} a value (${metric}${rule.op}x): ${rule.op === '>=' ? 'higher' : 'lower'} is closer to the uncached video`)
    const value = Number(raw)
    if (!Number.isFinite(value) || value < rule.range[0] || value > rule.range[1]) {
      throw bad(`${metric}${op}${raw} is impossible: ${metric} lies in [${rule.range[0]}, ${rule.range[1] === Infinity ? '∞' : rule.range[1]}]${rule.unit ? ` ${rule.unit}` : ''}`)
    }
    if (gate.some((b) => b.metric === metric)) throw bad(`${metric} is given twice`)
    gate.push({ metric, op, value })
  }
  return gate
}

export const gateText = (gate: Gate) => gate.map((b) => `${b.metric}${b.op}${b.value}`).join(',')

/** One prompt x seed's measured quality of a candidate (lpips null: not measured). */
export interface Measured {
  psnr: number
  ssim: number
  min_psnr: number
  lpips: number | null
}

/**
 * How far a measurement is inside the gate, per bound, in the bound's own units (negative: it
 * fails by that much). Infinite PSNR (identical videos) passes any floor.
 */
export function margins(gate: Gate, m: Measured): Record<Metric, number> {
  const out = {} as Record<Metric, number>
  for (const b of gate) {
    const value = m[b.metric]
    if (value === null) throw new TeacacheError('INPUT', `--gate: ${b.metric} was not measured`)
    out[b.metric] = b.op === '>=' ? value - b.value : b.value - value
  }
  return out
}

/**
 * The gate over the tuning prompts x seeds: each bound on the worst (quantile 0) or the q-quantile
 * of the measurements; passes when every bound's margin is 0 or more.
 */
export function judge(gate: Gate, measurements: readonly Measured[], quantile = 0): { pass: boolean; worst: Record<Metric, number>; margin: Record<Metric, number> } {
  const worst = {} as Record<Metric, number>
  const margin = {} as Record<Metric, number>
  for (const b of gate) {
    const values = measurements.map((m) => m[b.metric] as number).sort((x, y) => (b.op === '>=' ? x - y : y - x))
    // The q-quantile of "how bad": quantile 0 is the worst one.
    const at = values[Math.min(values.length - 1, Math.floor(quantile * values.length))]
    worst[b.metric] = at
    margin[b.metric] = b.op === '>=' ? at - b.value : b.value - at
  }
  return { pass: Object.values(margin).every((v) => v >= 0), worst, margin }
}
