import { z } from 'zod'
import { integer, type MethodDefinition } from './method.ts'

/**
 * TaylorSeer (diffusers' TaylorSeerCacheConfig): the attention and feed-forward layers compute on
 * refresh steps and, in between, predict their outputs with a Taylor expansion over the steps
 * since (order `max_order`; 0 reuses the last output). diffusers' default layer patterns match no
 * CogVideoX layer (they are full-matched and end at "attn", CogVideoX's layers are
 * "transformer_blocks.<i>.attn1"), so teacache names CogVideoX's attn1 and ff layers itself.
 */
export const taylorseer: MethodDefinition = {
  name: 'taylorseer',
  title: 'TaylorSeer',
  diffusersConfig: 'TaylorSeerCacheConfig',
  schema: z.strictObject({
    cache_interval: integer(2, 1000).default(5),
    disable_cache_before_step: integer(1, 1000).default(3),
    disable_cache_after_step: integer(1, 1000).nullable().default(null),
    max_order: integer(0, 4).default(1),
    taylor_factors_dtype: z.enum(['bfloat16', 'float16', 'float32'], 'expected bfloat16, float16 or float32').default('bfloat16'),
  }),
  primary: 'cache_interval',
  primaryInId: 'changed',
  reuses: 'parts',
  // diffusers' rule per layer and call: compute before `disable_cache_before_step`, from
  // `disable_cache_after_step` on, and when (step - before - 1) is a multiple of the interval.
  reusableSteps(params, timesteps) {
    const interval = params.cache_interval as number
    const before = params.disable_cache_before_step as number
    const after = params.disable_cache_after_step as number | null
    return timesteps.filter((_, step) => step >= before && !(after !== null && step >= after) && (step - before - 1) % interval !== 0).length
  },
}
