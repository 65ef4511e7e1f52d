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

/**
 * The least speedup a TeaCache run can honestly show. It computes a subset of its baseline's steps
 * at the same cost per step, and every step of it, computed or skipped, pays at most what a
 * skipped step cost in the run on top (the indicator, the bridge call, and the parts outside the
 * blocks, which a skipped step still runs): the patched forward measured 0.9997x on an H100 and
 * 0.994x in the CPU bench; on the tiny model a computed step costs ~0.5 ms more than the
 * baseline's 2.8 ms and a skipped one 1.3 ms. A measured speedup under this bound / SUSPECT_FACTOR
 * says the machine slowed during the run, not that TeaCache did: as suspect as one above the ideal.
 */
export function lowerSpeedup(steps: number, computed: number, baseline: BaselineSplit, skippedStep: number): number | null {
  if (!(baseline.steps > 0) || !(steps > 0)) return null
  const perStep = baseline.denoise / baseline.steps
  const skip = Math.min(Math.max(0, skippedStep), perStep)
  const full = steps * perStep + baseline.decode
  const worst = computed * perStep + steps * skip + baseline.decode
  return worst > 0 && Number.isFinite(full) ? full / worst / SUSPECT_FACTOR : null
}

/** Why a run's speedup is not presented as a result. */
export interface Suspicion {
  /** The measured speedup, over ideal x SUSPECT_FACTOR. */
  aboveIdeal: boolean
  /** The measured speedup, under the lower bound (the machine slowed during the run). */
  belowLower: boolean
  /** The baseline ran on another host, device or process. */
  differentWorker: boolean
  /** Likely causes, in words, for the report's "Suspect measurements" section. */
  causes: string[]
}
