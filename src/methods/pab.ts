import { z } from 'zod'
import { integer, reusedInRange, timestepRange, type MethodDefinition } from './method.ts'

/**
 * Pyramid Attention Broadcast (diffusers' PyramidAttentionBroadcastConfig): inside the timestep
 * range, each attention layer computes every `spatial_attention_block_skip_range`-th call and
 * reuses its last output in between. CogVideoX has one attention per block (joint text-video
 * self-attention, diffusers' "spatial" kind); the blocks' feed-forwards always run.
 */
export const pab: MethodDefinition = {
  name: 'pab',
  title: 'PAB',
  diffusersConfig: 'PyramidAttentionBroadcastConfig',
  schema: z.strictObject({
    spatial_attention_block_skip_range: integer(2, 1000).default(2),
    spatial_attention_timestep_skip_range: timestepRange().default([100, 800]),
  }),
  primary: 'spatial_attention_block_skip_range',
  primaryInId: 'changed',
  reuses: 'parts',
  // The hook computes on its first call and every k-th after; it reuses only inside the range.
  reusableSteps(params, timesteps) {
    return reusedInRange(params.spatial_attention_block_skip_range as number, params.spatial_attention_timestep_skip_range, timesteps)
  },
}
