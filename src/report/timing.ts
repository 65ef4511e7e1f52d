import type { RunRecord } from '../run/record.ts'

/**
 * A run's latency from its timed repeats. One slow repeat (a cold cache, a neighbour on the
 * machine) should not move the figure, so the report takes the median; the spread shows how much
 * the repeats disagreed. Records from before repeats count their one generation as n = 1.
 */
export interface RunTiming {
  n: number
  /** Median over the repeats of denoise + decode. */
  latency: number
  /** Denoise and decode of the median repeat (the mean of the middle two for an even n): they add up to `latency`. */
  denoise: number
  decode: number
  /** The fastest and slowest repeat's denoise + decode. */
  min: number
  max: number
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

export function runTiming(record: Pick<RunRecord, 'repeats' | 'timings_s'>): RunTiming {
  const recorded = record.repeats?.filter((r) => Number.isFinite(r.denoise) && Number.isFinite(r.decode)) ?? []
  const samples = recorded.length ? recorded : [{ denoise: record.timings_s.denoise, decode: record.timings_s.decode }]
  const { denoise, decode } = medianRepeat(samples)
  const latencies = samples.map((r) => r.denoise + r.decode).sort((a, b) => a - b)
  return { n: samples.length, latency: denoise + decode, denoise, decode, min: latencies[0], max: latencies.at(-1)! }
}

/** The denoise and decode of the median generation by denoise + decode (the mean of the middle two for an even count). */
export function medianRepeat(samples: ReadonlyArray<{ denoise: number; decode: number }>): { denoise: number; decode: number } {
  const sorted = [...samples].sort((a, b) => a.denoise + a.decode - (b.denoise + b.decode))
  const mid = sorted.length >> 1
  const middle = sorted.length % 2 ? [sorted[mid]] : [sorted[mid - 1], sorted[mid]]
  return { denoise: middle.reduce((a, r) => a + r.denoise, 0) / middle.length, decode: middle.reduce((a, r) => a + r.decode, 0) / middle.length }
}
