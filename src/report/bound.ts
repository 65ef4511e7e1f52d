/**
 * The sanity bound on a measured speedup. A TeaCache run cannot beat the baseline of its prompt
 * and seed by more than its schedule allows: with the baseline's denoise split evenly over its N
 * steps (s per step) and its decode D, a run that computes k of N steps takes at least k·s + D if
 * a skipped step were free. A measured speedup well above that bound says the two timings are not
 * comparable (a cold first run, another device, a loaded machine), not that TeaCache was faster.
 */
export const SUSPECT_FACTOR = 1.1

export interface BaselineSplit {
  denoise: number
  decode: number
  steps: number
}

/** The latency a run computing `computed` steps would have if skipped steps cost nothing: k·s + D. */
export function idealLatency(computed: number, baseline: BaselineSplit): number {
  return (computed * baseline.denoise) / baseline.steps + baseline.decode
}

/** (N·s + D) / (k·s + D); null when the baseline gives nothing to divide by. */
export function idealSpeedup(steps: number, computed: number, baseline: BaselineSplit): number | null {
  if (!(baseline.steps > 0)) return null
  const ideal = idealLatency(computed, baseline)
  const full = idealLatency(steps, baseline)
  return ideal > 0 && Number.isFinite(full) ? full / ideal : null
}

/** A measured speedup above its ideal by more than the tolerance. */
export const aboveBound = (speedup: number, ideal: number) => speedup > ideal * SUSPECT_FACTOR

/** Why a run's speedup is not presented as a result. */
export interface Suspicion {
  /** The measured speedup, over ideal x SUSPECT_FACTOR. */
  aboveIdeal: boolean
  /** The baseline ran on another host, device or process. */
  differentWorker: boolean
  /** Likely causes, in words, for the report's "Suspect measurements" section. */
  causes: string[]
}
