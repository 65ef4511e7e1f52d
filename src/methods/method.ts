import { z } from 'zod'

/**
 * What teacache knows about one of diffusers' training-free caches: its parameters (a zod schema,
 * the one source of truth for names, ranges and defaults), how a run id and a report column name
 * a variant, and what can be told before any generation (a setting that rules it out, steps of
 * the schedule it could reuse). Python only turns the validated numbers into diffusers' config.
 */
/** The largest threshold a method takes (as TeaCache's rel_l1_thresh): beyond it every step is reused. */
export const MAX_CACHE_THRESHOLD = 5

export type CacheMethod = 'fbc' | 'pab' | 'fastercache' | 'magcache' | 'taylorseer'

export type Params = Record<string, unknown>

/** What a run's setting is, as far as a method's own checks care. */
export interface MethodSetting {
  steps: number
  guidance_scale: number
}

export interface MethodDefinition {
  name: CacheMethod
  /** As the report names it. */
  title: string
  /** diffusers' config class (README, messages). */
  diffusersConfig: string
  schema: z.ZodObject
  /** The parameter `name:<number>` sets. */
  primary: string | null
  /** A run id shows the primary value always (fbc0.05) or only when it is not the default (pab, pab3). */
  primaryInId: 'always' | 'changed'
  /**
   * What it reuses: whole blocks only (the block counts then bound its speedup, as the step count
   * bounds TeaCache's), or parts of blocks that still run (no bound follows from counts alone).
   */
  reuses: 'blocks' | 'parts'
  /** Why this setting rules the method out, checked before Python starts; null when it does not. */
  unusable?(params: Params, setting: MethodSetting): string | null
  /**
   * How many steps of a schedule with these timesteps (one transformer call a step) could reuse
   * anything; null when the model's outputs decide at run time. 0 means it would do nothing.
   */
  reusableSteps?(params: Params, timesteps: readonly number[]): number | null
}

/** A finite number; the parameter's name comes from the path. */
export const number = () => z.number({ error: 'expected a number' }).finite('expected a finite number')

export const integer = (min: number, max: number) =>
  z.number({ error: `expected an integer from ${min} to ${max}` }).int(`expected an integer from ${min} to ${max}`).min(min, `expected an integer from ${min} to ${max}`).max(max, `expected an integer from ${min} to ${max}`)

/** [lo, hi] of timesteps: diffusers' ranges are open, lo < t < hi. */
export const timestepRange = () =>
  z
    .tuple([number(), number()], { error: 'expected [lower, upper] timesteps (lo..hi in --methods)' })
    .refine(([lo, hi]) => lo < hi, 'expected the lower timestep below the upper one')

/** Steps after the first, but not every n-th, whose timestep lies inside the (open) range: where PAB and FasterCache reuse. */
export const reusedInRange = (n: number, range: unknown, timesteps: readonly number[]) => {
  const [lo, hi] = range as [number, number]
  return timesteps.filter((t, i) => i > 0 && i % n !== 0 && lo < t && t < hi).length
}
