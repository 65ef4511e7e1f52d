import { z } from 'zod'
import { MAX_CACHE_THRESHOLD, number, type MethodDefinition } from './method.ts'

/**
 * First Block Cache (ParaAttention; diffusers' FirstBlockCacheConfig): the first block always runs;
 * when its residual changed by less than `threshold` (relative mean absolute difference) since
 * the last full step, the other blocks are replaced by their cached residuals. Its decision
 * depends on the model's outputs, so nothing about it can be predicted from the timesteps.
 */
export const fbc: MethodDefinition = {
  name: 'fbc',
  title: 'FirstBlockCache',
  diffusersConfig: 'FirstBlockCacheConfig',
  schema: z.strictObject({
    threshold: number().min(0, 'expected 0 or more').max(MAX_CACHE_THRESHOLD, `expected at most ${MAX_CACHE_THRESHOLD}`).default(0.05),
  }),
  primary: 'threshold',
  primaryInId: 'always',
  reuses: 'blocks',
}
