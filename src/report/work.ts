import type { ComputeTotals, RunDigest } from './digest.ts'

/**
 * What a run's counts (run.json `compute`: batch rows through block bodies, attention and
 * feed-forward) say against its baseline's: how much of the work ran, whether the cache avoided
 * anything at all, and, for a cache that only skips whole blocks, the most its skipping allows.
 */
export interface Work {
  /** Fractions of the baseline's rows that ran (1 = all of it). */
  blocks: number
  attention: number
  feedforward: number
}

const fraction = (run: number, base: number) => (base > 0 ? run / base : run === 0 ? 1 : Infinity)

export function workOf(run: ComputeTotals | null | undefined, baseline: ComputeTotals | null | undefined): Work | null {
  if (!run || !baseline) return null
  return {
    blocks: fraction(run.block_rows, baseline.block_rows),
    attention: fraction(run.attention_rows, baseline.attention_rows),
    feedforward: fraction(run.feedforward_rows, baseline.feedforward_rows),
  }
}

/**
 * True when a cached variant ran all the work its baseline ran: it did nothing here, whatever its
 * timing says. From the counts when both runs have them; for a TeaCache run without them (compiled
 * blocks) from its block loops. null when the records cannot tell.
 */
export function avoidedNothing(run: RunDigest, baseline: RunDigest): boolean | null {
  const work = workOf(run.compute, baseline.compute)
  if (work) return work.blocks >= 1 && work.attention >= 1 && work.feedforward >= 1
  if (run.teacache.enabled && run.block_loops !== null) return run.block_loops >= run.schedule.length
  return null
}

/** A cache skips whole blocks only (not parts of blocks that still run): its counts bound its speedup. */
export const wholeBlocksOnly = (work: Work) => work.attention === work.blocks && work.feedforward === work.blocks

/**
 * The most a run that ran `work.blocks` of the baseline's block rows could gain, if everything
 * outside the blocks were free: (d + D) / (d·b + D), the counting twin of the step bound in
 * bound.ts. null when it also reused parts of blocks that ran (no bound follows from counts).
 */
export function idealFromWork(work: Work, baseline: { denoise: number; decode: number }): number | null {
  if (!wholeBlocksOnly(work) || !Number.isFinite(work.blocks)) return null
  const ideal = baseline.denoise * work.blocks + baseline.decode
  return ideal > 0 ? (baseline.denoise + baseline.decode) / ideal : null
}
