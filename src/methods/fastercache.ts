import { z } from 'zod'
import { integer, number, reusedInRange, timestepRange, type MethodDefinition } from './method.ts'

/**
 * FasterCache (diffusers' FasterCacheConfig). Two reuses: the unconditional half of the
 * classifier-free-guidance batch is skipped on most steps and approximated from the conditional
 * half plus the last measured difference in low and high frequencies; and, on those steps,
 * attention outputs are extrapolated from the last two computed ones. The defaults are
 * diffusers' own CogVideoX example (its docstring), not the class defaults made for other models.
 */
export const fastercache: MethodDefinition = {
  name: 'fastercache',
  title: 'FasterCache',
  diffusersConfig: 'FasterCacheConfig',
  schema: z.strictObject({
    spatial_attention_block_skip_range: integer(2, 1000).default(2),
    spatial_attention_timestep_skip_range: timestepRange().default([-1, 681]),
    unconditional_batch_skip_range: integer(2, 1000).default(5),
    unconditional_batch_timestep_skip_range: timestepRange().default([-1, 641]),
    low_frequency_weight_update_timestep_range: timestepRange().default([99, 641]),
    high_frequency_weight_update_timestep_range: timestepRange().default([-1, 301]),
    alpha_low_frequency: number().min(0, 'expected 0 or more').default(1.1),
    alpha_high_frequency: number().min(0, 'expected 0 or more').default(1.1),
    attention_weight: number().min(0, 'expected 0 or more').max(1, 'expected at most 1').default(0.3),
  }),
  primary: null,
  primaryInId: 'changed',
  reuses: 'parts',
  unusable(_params, setting) {
    return setting.guidance_scale > 1
      ? null
      : `FasterCache approximates the unconditional half of classifier-free guidance, and guidance_scale ${setting.guidance_scale} runs none (it needs guidance_scale above 1)`
  },
  // The unconditional half is skipped after the first call, inside the range, except every n-th call;
  // attention is reused only on those steps.
  reusableSteps(params, timesteps) {
    return reusedInRange(params.unconditional_batch_skip_range as number, params.unconditional_batch_timestep_skip_range, timesteps)
  },
}
