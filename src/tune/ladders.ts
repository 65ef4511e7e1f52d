import type { CacheMethod } from '../methods/method.ts'
import { MAX_CACHE_THRESHOLD } from '../methods/method.ts'

/**
 * The values `tune --methods` tries of each method's primary parameter, mildest first. Unlike
 * TeaCache, whose distinct schedules `plan` predicts exactly, these methods decide at run time
 * (or by rules the schedule alone does not settle), so each family is a fixed ladder over the
 * schema's range, spaced so that neighbours differ enough to matter and the bisection stays short
 * (S values cost ⌈log2 (S + 1)⌉ probes).
 */

/**
 * A threshold on a relative change (fbc, magcache: 0 reuses nothing, MAX_CACHE_THRESHOLD reuses
 * every step it may): quality changes with the threshold's order of magnitude, not its size, so
 * the rungs are 1-2-5 per decade. They start at 0.01, below every published setting (FBC's 0.05,
 * MagCache's 0.06), where hardly anything is reused, and end at the schema's maximum.
 */
export function thresholdLadder(max = MAX_CACHE_THRESHOLD): number[] {
  const rungs: number[] = []
  for (let decade = 0.01; decade <= max; decade *= 10) {
    for (const m of [1, 2, 5]) {
      const value = Number((m * decade).toPrecision(6))
      if (value <= max) rungs.push(value)
    }
  }
  return rungs
}

/**
 * An interval between computed calls (pab's block skip range, taylorseer's cache interval; the
 * schema's least is 2): every integer while one more step of reuse is a large share (2 to 8),
 * then doubling steps (12, 16, 24, 32, ...). An interval of the step count or more computes once
 * inside its range, as any larger one does, so the ladder stops at the step count.
 */
export function intervalLadder(steps: number, least = 2): number[] {
  const rungs: number[] = []
  for (let k = least; k <= Math.min(steps, 8); k++) rungs.push(k)
  for (let base = 8; ; base *= 2) {
    const next = [base * 1.5, base * 2].filter((k) => k > 8 && k <= steps)
    if (next.length === 0) break
    rungs.push(...next)
  }
  // With fewer steps than the least interval, the least one is the only setting there is.
  return rungs.length ? rungs : [least]
}

/** Each tunable method's ladder; fastercache has no primary parameter (several ranges work together) and is not tunable. */
export const LADDERS: Partial<Record<CacheMethod, (steps: number) => number[]>> = {
  fbc: () => thresholdLadder(),
  magcache: () => thresholdLadder(),
  pab: (steps) => intervalLadder(steps),
  taylorseer: (steps) => intervalLadder(steps),
}
