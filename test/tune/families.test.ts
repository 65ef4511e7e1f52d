import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config/load.ts'
import { definitionOf } from '../../src/methods/registry.ts'
import { candidateValue, methodFamilies, teacacheFamily } from '../../src/tune/families.ts'
import { intervalLadder, LADDERS, thresholdLadder } from '../../src/tune/ladders.ts'
import { TINY_CONFIG } from '../helpers/configs.ts'

const config = (text = TINY_CONFIG) => parseConfig(text, '/nowhere/tiny.yaml')
const families = (text: string, cfg = config()) => methodFamilies(text, { baseDir: '/nowhere', config: cfg })

describe('ladders: each method\'s primary parameter, mildest first, inside its schema', () => {
  it('thresholds: 1-2-5 per decade from 0.01 to the schema\'s maximum', () => {
    expect(thresholdLadder()).toEqual([0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5])
  })
  it.each([
    [2, [2]],
    [8, [2, 3, 4, 5, 6, 7, 8]],
    [20, [2, 3, 4, 5, 6, 7, 8, 12, 16]],
    [50, [2, 3, 4, 5, 6, 7, 8, 12, 16, 24, 32, 48]],
    [1, [2]],
  ])('intervals for %i steps: every integer to 8, then 1.5x and 2x steps, none past the step count', (steps, ladder) => {
    expect(intervalLadder(steps)).toEqual(ladder)
  })
  it.each(Object.entries(LADDERS))('every rung of %s is valid for its schema and strictly increasing', (name, ladder) => {
    const method = definitionOf(name as never)
    for (const steps of [4, 8, 50, 1000]) {
      const values = ladder!(steps)
      expect([...values].sort((a, b) => a - b)).toEqual(values)
      expect(new Set(values).size).toBe(values.length)
      for (const v of values) expect(method.schema.safeParse({ [method.primary!]: v }).success).toBe(true)
    }
  })
})

describe('methodFamilies (--methods)', () => {
  it('one family per listed method, its variants in ladder order, other parameters kept', () => {
    const { families: found } = families('fbc,pab:spatial_attention_timestep_skip_range=0..1000,teacache')
    expect(found.map((f) => [f.name, f.parameter])).toEqual([['fbc', 'threshold'], ['pab', 'spatial_attention_block_skip_range']])
    expect(found[0].candidates.map((c) => c.id)).toEqual(thresholdLadder().map((t) => `fbc${t}`))
    expect(found[1].candidates.map((c) => candidateValue(found[1], c))).toEqual(intervalLadder(20))
    expect(found[1].candidates.every((c) => (c.method!.params.spatial_attention_timestep_skip_range as number[])[1] === 1000)).toBe(true)
  })

  it('TeaCache\'s family comes from plan\'s schedules', () => {
    const f = teacacheFamily([{ threshold: 0.05, computed_steps: 7 }, { threshold: 0.2, computed_steps: 4 }])
    expect(f.candidates).toEqual([
      { family: 'teacache', id: 't0.05', threshold: 0.05, method: null, computed_steps: 7 },
      { family: 'teacache', id: 't0.2', threshold: 0.2, method: null, computed_steps: 4 },
    ])
  })

  it.each([
    ['fbc:0.05', /--methods: fbc:0.05: tune varies fbc's threshold itself; leave it out/],
    ['teacache:0.1', /--methods: teacache:0.1: tune chooses TeaCache's threshold itself/],
    ['fastercache', /--methods: fastercache has no main parameter for tune to vary/],
    ['fbc,fbc', /--methods: fbc is listed twice/],
    ['fcb', /--methods: unknown method "fcb" \(did you mean fbc\?\)/],
    ['seacache', /--methods: seacache: refused: SeaCache cannot work/],
    ['magcache', /--methods: magcache needs the residual magnitude ratios/],
    ['pab:spatial_attention_timestep_skip_range=900..100', /--methods: pab: spatial_attention_timestep_skip_range: expected the lower timestep below the upper one/],
  ])('%s is refused, exit 2, naming the method and why', (text, message) => {
    expect(() => families(text)).toThrow(message)
    try {
      families(text)
    } catch (error) {
      expect(error).toMatchObject({ exitCode: 2 })
    }
  })
})
