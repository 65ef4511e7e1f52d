import { speedOf, type PlanEntry, type TargetResult } from './plan.ts'

/** The plan as a terminal table, and the JSON form scripts read. */

/**
 * A predicted figure as printed: '—' for one no measurement can give (NaN, an infinity, a
 * negative time or speedup), which would otherwise be read as a prediction.
 */
const figure = (format: (x: number) => string) => (x: number): string => (Number.isFinite(x) && x >= 0 ? format(x) : '—')
const secondsText = figure((x) => `${x.toFixed(2)} s`)
const speedupText = figure((x) => `${x.toFixed(2)}x`)

export interface PlanHeader {
  config: string
  source: string
  steps: number
  coefficients: { coefficients: readonly number[]; source: string }
  /** The latency model in words, or null without timings. */
  latency: string | null
}

export function formatPlan(header: PlanHeader, entries: readonly PlanEntry[]): string {
  const lines = [
    `Plan for ${header.config}: ${header.steps} steps`,
    `  indicator: ${header.source}`,
    `  coefficients: ${header.coefficients.source} [${header.coefficients.coefficients.map((c) => (Number.isFinite(c) ? c.toPrecision(6) : '—')).join(', ')}]`,
    `  ${header.latency ?? 'no timings: give --from-run DIR (a completed run on this setting) to predict latency and speedup'}`,
    '',
  ]
  const rows = entries.map((e) => [
    String(e.threshold),
    `${e.computed_steps}/${e.computed_steps + e.skipped.length}`,
    e.skipped.length === 0 ? '-' : e.skipped.join(' '),
    e.predicted_seconds === null ? '-' : secondsText(e.predicted_seconds),
    e.predicted_speedup === null ? '-' : speedupText(e.predicted_speedup),
  ])
  lines.push(...table(['threshold', 'computed', 'skipped steps', 'latency', 'speedup'], rows), '')
  return lines.join('\n')
}

export function formatTarget(target: number, result: TargetResult, timed: boolean): string {
  const measure = timed ? 'predicted speedup' : 'step ratio: steps / computed steps, an upper bound of the denoising speedup without timings'
  if (result.reached) {
    const e = result.entry
    return (
      `Target ${target}x by ${measure}: threshold ${e.threshold} computes ${e.computed_steps} of ${e.computed_steps + e.skipped.length} steps ` +
      `(${speedupText(speedOf(e))}), skipping ${e.skipped.length === 0 ? 'none' : e.skipped.join(' ')}\n`
    )
  }
  return unreachable(target, result.best, measure)
}

export function unreachable(target: number, best: PlanEntry, measure: string): string {
  return (
    `--target-speedup: ${target}x is not reachable (${measure}); the most is ${speedupText(speedOf(best))} at threshold ${best.threshold} ` +
    `(${best.computed_steps} of ${best.computed_steps + best.skipped.length} steps computed)`
  )
}

/** One entry per line: long skip lists stay readable and the output is still plain JSON. */
export function planJson(entries: readonly PlanEntry[]): string {
  const lines = entries.map(({ threshold, computed_steps, skipped, predicted_speedup, predicted_seconds }) =>
    JSON.stringify({ threshold, computed_steps, skipped, predicted_speedup, predicted_seconds }))
  return lines.length === 0 ? '[]\n' : `[\n  ${lines.join(',\n  ')}\n]\n`
}

function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells: string[]) => `  ${cells.map((c, i) => c.padEnd(widths[i])).join('  ')}`.trimEnd()
  return [line(head), ...rows.map(line)]
}
