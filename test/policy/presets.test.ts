import { describe, expect, it } from 'vitest'
import { chooseCoefficients, presetFor, type ArchitectureFacts } from '../../src/policy/presets.ts'

const cog = (over: Partial<ArchitectureFacts>): ArchitectureFacts => ({
  transformer_class: 'CogVideoXTransformer3DModel', version: '1.5', task: 't2v', num_layers: 42, num_attention_heads: 48, ...over,
})

describe('presetFor', () => {
  it.each([
    [cog({}), 'CogVideoX1.5-5B'],
    [cog({ task: 'i2v' }), 'CogVideoX1.5-5B-I2V'],
    [cog({ version: '1.0' }), 'CogVideoX-5b'],
    [cog({ version: '1.0', task: 'i2v' }), 'CogVideoX-5b'],
    [cog({ version: '1.0', num_layers: 30, num_attention_heads: 30 }), 'CogVideoX-2b'],
    [cog({ num_layers: 2, num_attention_heads: 2 }), undefined],
    [cog({ transformer_class: 'FluxTransformer2DModel' }), undefined],
  ])('%j -> %s', (facts, name) => {
    expect(presetFor(facts)?.name).toBe(name)
  })
})

describe('chooseCoefficients', () => {
  it('prefers explicit coefficients', () => {
    expect(chooseCoefficients([1, 2, 3, 4, 5], cog({}))).toEqual({ coefficients: [1, 2, 3, 4, 5], source: 'config' })
  })
  it('falls back to the preset', () => {
    expect(chooseCoefficients(undefined, cog({ task: 'i2v' })).source).toBe('preset:CogVideoX1.5-5B-I2V')
  })
  it('names the field and the way out when nothing fits', () => {
    expect(() => chooseCoefficients(undefined, cog({ num_layers: 2 }))).toThrow(/^teacache\.coefficients: no published coefficients fit this model .*2 layers.*teacache calibrate/)
  })
})
