import { definitionOf } from '../methods/registry.ts'
import { variantTitle, type MethodVariant } from '../methods/variant.ts'
import type { CompileMode } from '../sweep/grid.ts'
import type { ColumnSummary, MethodColumn, RunRow, Stat } from './types.ts'
import type { Work } from './work.ts'
import { medianInterval } from '../stats/interval.ts'
import { median } from '../stats/order.ts'

/**
 * One column of the report from its runs: pooled latency, the paired headline speedup and its
 * ideal, the work that ran, peak memory and quality (pure).
 */
export function stat(values: readonly number[]): Stat {
  const n = values.length
  if (n === 0) return { n, mean: null, sd: null }
  const mean = values.reduce((a, b) => a + b, 0) / n
  if (n < 2 || !values.every(Number.isFinite)) return { n, mean, sd: null }
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1))
  return { n, mean, sd }
}

// Folded, not spread: a large sweep's column has more values than a call takes arguments.
const least = (values: readonly number[]) => values.reduce((a, b) => Math.min(a, b))
const most = (values: readonly number[]) => values.reduce((a, b) => Math.max(a, b))
const range = (values: readonly number[]) => (values.length ? { min: least(values), max: most(values) } : null)

export const methodColumn = (variant: MethodVariant): MethodColumn => ({ id: variant.id, title: variantTitle(variant), reuses: definitionOf(variant.method).reuses })

function meanWork(rows: readonly RunRow[]): Work | null {
  const counted = rows.flatMap((r) => (r.work ? [r.work] : []))
  if (counted.length === 0 || counted.length !== rows.length) return null
  const mean = (key: keyof Work) => counted.reduce((a, w) => a + w[key], 0) / counted.length
  return { blocks: mean('blocks'), attention: mean('attention'), feedforward: mean('feedforward') }
}

export function summarize(threshold: number | null, compile: CompileMode, method: MethodColumn | null, column: RunRow[]): ColumnSummary {
  const done = column.filter((r) => r.status === 'completed')
  // Every run's rounds, each paired with its own prompt and seed's baseline of the same round, so
  // a failed run does not take its group's baseline out of one side only.
  const included = done.filter((r) => r.speedup !== null && !r.suspect)
  const ratios = included.flatMap((r) => r.ratios)
  const interval = ratios.length ? medianInterval(ratios) : null
  const speedup = interval?.median ?? null
  const cached = threshold !== null || method !== null
  const middle = (values: Array<number | null>) => (values.length && values.every((v) => v !== null) ? median(values as number[]) : null)
  const ideal = cached && included.length ? middle(included.map((r) => r.ideal)) : null
  const lower = cached && included.length ? middle(included.map((r) => r.lower)) : null
  const every = done.flatMap((r) => r.ratios)
  // What the shown figures pool: a suspect run's latency is left out of them as of the headline.
  const shown = done.filter((r) => !r.suspect)
  const reference = column.some((r) => r.reference)
  const computed = done.map((r) => r.computed!)
  const memory = done.flatMap((r) => (r.memory === null ? [] : [r.memory]))
  return {
    threshold,
    compile,
    method,
    reference,
    completed: done.length,
    total: column.length,
    latency: stat(shown.map((r) => r.latency!)),
    denoise: stat(shown.map((r) => r.denoise!)),
    decode: stat(shown.map((r) => r.decode!)),
    speedup,
    interval,
    pairs: ratios.length,
    spread: range(every),
    ideal,
    lower,
    excluded: done.filter((r) => r.suspect).length,
    aboveIdeal: speedup !== null && ideal !== null && speedup > ideal * (1 + 1e-9),
    computed: done.length ? { min: least(computed), max: most(computed), steps: done[0].steps! } : null,
    repeats: range(done.map((r) => r.n!)),
    memory: memory.length ? most(memory) : null,
    work: meanWork(done),
    idle: done.filter((r) => r.idle === true).length,
    psnr: stat(column.filter((r) => r.psnr !== null).map((r) => r.psnr!)),
    ssim: stat(column.filter((r) => r.ssim !== null).map((r) => r.ssim!)),
  }
}

