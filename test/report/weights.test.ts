import { describe, expect, it } from 'vitest'
import { randomWeights, randomWeightsNote } from '../../src/report/weights.ts'

describe('random weights', () => {
  it.each([
    { model: 'tiny', random: true },
    { model: 'tiny-i2v', random: true },
    { model: 'tiny-1.0', random: true },
    { model: 'random-5b', random: true },
    { model: 'random-5b-i2v', random: true },
    { model: 'THUDM/CogVideoX1.5-5B', random: false },
    { model: '/models/tiny', random: false },
    { model: null, random: false },
  ])('$model: $random', ({ model, random }) => {
    expect(randomWeights(model)).toBe(random)
  })

  it('says the quality figures mean nothing, naming the model', () => {
    expect(randomWeightsNote('random-5b')).toMatch(/^The model `random-5b` has random weights: .*they mean nothing about quality\./)
  })
})
