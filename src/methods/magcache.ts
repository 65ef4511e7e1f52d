import { z } from 'zod'
import { integer, MAX_CACHE_THRESHOLD, number, type MethodDefinition } from './method.ts'

/**
 * MagCache (diffusers' MagCacheConfig): after the first `retention_ratio` of the steps, the whole
 * block stack is skipped (its last residual reused) while the accumulated error
 * sum |1 - prod(ratio)| stays within `threshold`, at most `max_skip_steps` steps in a row.
 * `ratios` are the per-step residual magnitude ratios of this model, measured by
 * `teacache calibrate` (diffusers ships FLUX's only); a list of another length is resampled to
 * the step count (nearest), as diffusers does.
 */
export const magcache: MethodDefinition = {
  name: 'magcache',
  title: 'MagCache',
  diffusersConfig: 'MagCacheConfig',
  schema: z.strictObject({
    threshold: number().min(0, 'expected 0 or more').max(MAX_CACHE_THRESHOLD, `expected at most ${MAX_CACHE_THRESHOLD}`).default(0.06),
    max_skip_steps: integer(1, 1000).default(3),
    retention_ratio: number().min(0, 'expected a number from 0 to 1').max(1, 'expected a number from 0 to 1').default(0.2),
    /** Numbers, or the path of a file written by teacache calibrate (resolved to its numbers before a sweep starts). */
    ratios: z
      .union([z.array(number().positive('expected positive ratios')).min(2, 'expected at least 2 ratios'), z.string().min(1, 'expected the path of a file written by teacache calibrate')], {
        error: 'expected ratios as a list of numbers or the path of a file written by teacache calibrate',
      })
      .optional(),
  }),
  primary: 'threshold',
  primaryInId: 'always',
  reuses: 'blocks',
  reusableSteps(params, timesteps) {
    // diffusers' retention: int(ratio x steps + 0.5) first steps always compute.
    const retained = Math.floor((params.retention_ratio as number) * timesteps.length + 0.5)
    return retained >= timesteps.length ? 0 : null
  },
}
