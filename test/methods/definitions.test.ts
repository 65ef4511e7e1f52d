import { describe, expect, it } from 'vitest'
import { METHODS, definitionOf } from '../../src/methods/registry.ts'
import { paramsOf } from '../../src/methods/variant.ts'
import type { CacheMethod } from '../../src/methods/method.ts'

/** The tiny model's 6-step schedule (DPM, trailing spacing): what the real hooks see. */
const SIX = [999, 832, 666, 499, 332, 166]
const reusable = (name: CacheMethod, given: Record<string, unknown>, timesteps = SIX) => {
  const method = definitionOf(name)
  return method.reusableSteps ? method.reusableSteps(paramsOf(method, given), timesteps) : undefined
}

describe('what each method can reuse, known before a generation', () => {
  it.each([
    // PAB: after the first call, inside (lo, hi), except every k-th call.
    { name: 'pab' as const, given: {}, steps: 2 },
    { name: 'pab' as const, given: { spatial_attention_block_skip_range: 3 }, steps: 3 },
    { name: 'pab' as const, given: { spatial_attention_timestep_skip_range: [1, 2] }, steps: 0 },
    { name: 'pab' as const, given: { spatial_attention_timestep_skip_range: [0, 1000] }, steps: 3 },
    // FasterCache: the unconditional half, after the first call, inside its range, except every n-th call.
    { name: 'fastercache' as const, given: {}, steps: 2 },
    { name: 'fastercache' as const, given: { unconditional_batch_timestep_skip_range: [900, 1000] }, steps: 0 },
    // TaylorSeer: from disable_cache_before_step on, except refresh steps (and from disable_cache_after_step on).
    { name: 'taylorseer' as const, given: { cache_interval: 2, disable_cache_before_step: 1 }, steps: 3 },
    { name: 'taylorseer' as const, given: {}, steps: 2 },
    { name: 'taylorseer' as const, given: { cache_interval: 2, disable_cache_before_step: 1, disable_cache_after_step: 2 }, steps: 1 },
    { name: 'taylorseer' as const, given: { disable_cache_before_step: 6 }, steps: 0 },
    // MagCache decides from the model's ratios, unless its retention covers every step.
    { name: 'magcache' as const, given: {}, steps: null },
    { name: 'magcache' as const, given: { retention_ratio: 1 }, steps: 0 },
  ])('$name $given: $steps of 6 steps', ({ name, given, steps }) => expect(reusable(name, given)).toBe(steps))

  it('leaves FirstBlockCache to the model: it compares outputs', () => expect(definitionOf('fbc').reusableSteps).toBeUndefined())

  it('refuses FasterCache without classifier-free guidance, which it approximates', () => {
    const method = definitionOf('fastercache')
    expect(method.unusable!(paramsOf(method, {}), { steps: 6, guidance_scale: 1 })).toMatch(/needs guidance_scale above 1/)
    expect(method.unusable!(paramsOf(method, {}), { steps: 6, guidance_scale: 6 })).toBeNull()
  })

  it('says which reuse whole blocks only, the ones whose block counts bound their speedup', () => {
    expect(METHODS.filter((m) => m.reuses === 'blocks').map((m) => m.name)).toEqual(['fbc', 'magcache'])
  })

  it('has defaults for every parameter but MagCache\'s measured ratios', () => {
    for (const method of METHODS) {
      const params = paramsOf(method, {})
      const missing = Object.keys(method.schema.shape).filter((k) => params[k] === undefined)
      expect(missing).toEqual(method.name === 'magcache' ? ['ratios'] : [])
    }
  })
})
