import { describe, expect, it } from 'vitest'
import { MAX_THRESHOLD } from '../../src/config/schema.ts'
import { MAX_CACHE_THRESHOLD } from '../../src/methods/method.ts'
import { makeVariant, paramsOf, parseEntry, variantId, variantText, variantTitle, type Entry } from '../../src/methods/variant.ts'
import { definitionOf } from '../../src/methods/registry.ts'

const cache = (entry: Entry | string) => {
  if (typeof entry === 'string' || entry.kind !== 'cache') throw new Error(`not a cache entry: ${JSON.stringify(entry)}`)
  return entry
}
const resolved = (raw: unknown) => {
  const entry = cache(parseEntry(raw))
  return makeVariant(entry.method.name, paramsOf(entry.method, entry.given))
}

describe('method entries', () => {
  it.each([
    ['teacache', { kind: 'teacache', threshold: null }],
    ['teacache:0.2', { kind: 'teacache', threshold: 0.2 }],
    [{ method: 'teacache', threshold: 0.1 }, { kind: 'teacache', threshold: 0.1 }],
  ])('reads %j as a TeaCache threshold', (raw, expected) => expect(parseEntry(raw)).toEqual(expected))

  it.each([
    ['fbc', 'fbc0.05', { threshold: 0.05 }],
    ['fbc:0.1', 'fbc0.1', { threshold: 0.1 }],
    ['pab', 'pab', { spatial_attention_block_skip_range: 2, spatial_attention_timestep_skip_range: [100, 800] }],
    ['pab:2', 'pab', { spatial_attention_block_skip_range: 2 }],
    ['pab:3', 'pab3', { spatial_attention_block_skip_range: 3 }],
    ['magcache:0.1:ratios=1;0.9;1.1', 'magcache0.1', { threshold: 0.1, ratios: [1, 0.9, 1.1], max_skip_steps: 3 }],
    ['taylorseer', 'taylorseer', { cache_interval: 5, disable_cache_before_step: 3, disable_cache_after_step: null, max_order: 1, taylor_factors_dtype: 'bfloat16' }],
    ['taylorseer:disable_cache_after_step=none', 'taylorseer', { disable_cache_after_step: null }],
    [{ method: 'fbc', threshold: 0.2 }, 'fbc0.2', { threshold: 0.2 }],
    [{ method: 'fastercache', spatial_attention_timestep_skip_range: [-1, 700] }, /^fastercache-[0-9a-f]{8}$/, { spatial_attention_timestep_skip_range: [-1, 700], attention_weight: 0.3 }],
  ])('reads %j as run id %s with every parameter filled in', (raw, id, params) => {
    const variant = resolved(raw)
    if (typeof id === 'string') expect(variant.id).toBe(id)
    else expect(variant.id).toMatch(id)
    expect(variant.params).toMatchObject(params)
  })

  it('names a variant by its parameters alone: the same choice typed two ways is one run id', () => {
    expect(resolved('fastercache:spatial_attention_timestep_skip_range=-1..700').id).toBe(resolved({ method: 'fastercache', spatial_attention_timestep_skip_range: [-1, 700] }).id)
    expect(resolved('pab:3:spatial_attention_timestep_skip_range=50..900').id).not.toBe(resolved('pab:3').id)
    // MagCache's ratios are a measurement: two sets are not two variants.
    expect(resolved('magcache:ratios=1;1').id).toBe(resolved('magcache:ratios=1;2').id)
  })

  it.each(['fbc:0.05', 'pab:3:spatial_attention_timestep_skip_range=50..900', 'fastercache:attention_weight=0.5', 'magcache:0.2:ratios=1;0.98;1.02', 'taylorseer:4:max_order=2:taylor_factors_dtype=float32:disable_cache_after_step=10'])(
    'spells %s out in full for a --devices worker, which reads back the same variant',
    (text) => {
      const variant = resolved(text)
      const again = resolved(variantText(variant))
      expect(again).toEqual(variant)
      expect(variantText(variant).split(':').length).toBe(1 + Object.keys(definitionOf(variant.method).schema.shape).length)
    },
  )

  it.each([
    ['fbc:0.05', 'FirstBlockCache (0.05)'],
    ['pab', 'PAB'],
    ['pab:4', 'PAB (4)'],
    ['fastercache', 'FasterCache'],
  ])('titles %s as %s', (text, title) => expect(variantTitle(resolved(text))).toBe(title))

  it('titles a variant with other parameters by its run id too, so two columns never share a title', () => {
    const variant = resolved('pab:spatial_attention_timestep_skip_range=50..900')
    expect(variantTitle(variant)).toBe(`PAB [${variant.id}]`)
  })

  it.each([
    ['seacache', /^seacache: refused: SeaCache cannot work on CogVideoX .*cache_context\("cond_uncond"\) without them/],
    ['fcb:0.05', /^unknown method "fcb" \(did you mean fbc\?\); expected one of teacache, fbc, pab, fastercache, magcache, taylorseer$/],
    ['fbc:-1', /^fbc: threshold: expected 0 or more$/],
    ['fbc:abc', /^fbc: threshold: expected a number/],
    ['fbc:0.1:0.2', /^fbc: threshold is given twice$/],
    ['pab:1', /^pab: spatial_attention_block_skip_range: expected an integer from 2 to 1000$/],
    ['pab:spatial_attention_timestep_skip_range=800..100', /^pab: spatial_attention_timestep_skip_range: expected the lower timestep below the upper one$/],
    ['pab:speed=3', /^pab: unknown parameter speed; expected spatial_attention_block_skip_range, spatial_attention_timestep_skip_range$/],
    ['fbc:treshold=0.1', /^fbc: unknown parameter treshold \(did you mean threshold\?\); expected threshold$/],
    ['fbc:threshold=0.1:threshold=0.2', /^fbc: threshold is given twice$/],
    ['fastercache:3', /^fastercache takes no value of its own; give key=value \(/],
    ['taylorseer:1', /^taylorseer: cache_interval: expected an integer from 2 to 1000$/],
    ['taylorseer:taylor_factors_dtype=int8', /^taylorseer: taylor_factors_dtype: expected bfloat16, float16 or float32$/],
    ['magcache:ratios=0;1', /^magcache: ratios: expected positive ratios$/],
    ['teacache:9', /^teacache: expected a threshold from 0 to 5$/],
    ['teacache:threshold=0.1', /^expected teacache or teacache:<threshold>$/],
    [{ method: 'teacache', coefficients: [1] }, /^teacache takes only threshold/],
    [{ threshold: 0.1 }, /^expected "method: <name>"/],
    [42, /^expected a method such as/],
  ])('refuses %j, saying why', (raw, message) => {
    const entry = parseEntry(raw)
    expect(typeof entry).toBe('string')
    expect(entry).toMatch(message)
  })

  // Names an object has without being given them (Object.prototype's) are parameters nobody knows:
  // never "given twice", never dropped (fbc:__proto__=0.9 must not run fbc with its default).
  it.each([
    ['pab:constructor=3', 'pab', 'constructor'],
    ['fbc:__proto__=0.9', 'fbc', '__proto__'],
    ['fbc:toString=1', 'fbc', 'toString'],
    ['magcache:hasOwnProperty=1', 'magcache', 'hasOwnProperty'],
    [JSON.parse('{"method": "fbc", "__proto__": 0.9}'), 'fbc', '__proto__'],
    [{ method: 'pab', constructor: 3 }, 'pab', 'constructor'],
  ])('refuses %j naming the unknown parameter and the known ones', (raw, method, key) => {
    const known = Object.keys(definitionOf(method as 'fbc').schema.shape).join(', ')
    expect(parseEntry(raw)).toBe(`${method}: unknown parameter ${key}; expected ${known}`)
  })

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty:1'])('takes %s for no method', (raw) => {
    expect(parseEntry(raw)).toMatch(/^unknown method ".*"; expected one of teacache, fbc, pab, fastercache, magcache, taylorseer$/)
  })

  it('keeps the largest threshold a method takes equal to TeaCache\'s', () => expect(MAX_CACHE_THRESHOLD).toBe(MAX_THRESHOLD))

  it('builds ids from resolved parameters only', () => {
    expect(variantId('taylorseer', paramsOf(definitionOf('taylorseer'), { cache_interval: 5 }))).toBe('taylorseer')
    expect(variantId('magcache', paramsOf(definitionOf('magcache'), { ratios: [1, 1] }))).toBe('magcache0.06')
  })
})
