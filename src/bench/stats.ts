/** The benchmarks' statistics are the project's shared order statistics (src/stats/); formats stay here. */
export { median, pairedRatios, quantile, summarize, type Summary } from '../stats/order.ts'

/** A ratio as the table shows it: 1.0042x, or "-" when it could not be measured. */
export function formatRatio(ratio: number | null | undefined, digits = 4): string {
  return ratio === null || ratio === undefined || !Number.isFinite(ratio) ? '-' : `${ratio.toFixed(digits)}x`
}
