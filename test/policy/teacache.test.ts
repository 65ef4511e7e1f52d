import { describe, expect, it } from 'vitest'
import { PRESETS } from '../../src/policy/presets.ts'
import { createPolicy, rescale, schedule } from '../../src/policy/teacache.ts'

const T2V = PRESETS.find((p) => p.name === 'CogVideoX1.5-5B')!.coefficients
const I2V = PRESETS.find((p) => p.name === 'CogVideoX1.5-5B-I2V')!.coefficients
const IDENTITY = [0, 0, 0, 1, 0]

describe('rescale', () => {
  // Reference values: numpy.polyval with the published coefficients.
  it.each([
    [T2V, 0.05, 0.06716072869375],
    [T2V, 0.1, 0.17546513000000002],
    [T2V, 0.2, 0.3906089863000001],
    [I2V, 0.05, 0.07532291533749999],
    [I2V, 0.1, 0.1776974831],
    [IDENTITY, 0.37, 0.37],
    [[1, 0, 0, 0, 0], 2, 16],
    [[0, 0, 0, 0, 3], 123, 3],
  ])('%j at %d gives %d', (coefficients, d, expected) => {
    expect(rescale(coefficients, d)).toBeCloseTo(expected, 12)
  })
})

describe('schedule', () => {
  const T = true
  const F = false
  it.each([
    {
      name: 'published T2V coefficients at 0.2',
      coefficients: T2V, threshold: 0.2,
      distances: [null, 0.05, 0.05, 0.1, 0.05, 0.2, 0.1],
      computed: [T, F, F, T, F, T, T],
      accumulated: [0, 0.06716072869375, 0.1343214573875, 0, 0.06716072869375, 0, 0],
    },
    {
      name: 'published I2V coefficients at 0.1',
      coefficients: I2V, threshold: 0.1,
      distances: [null, 0.05, 0.05, 0.05, 0.05],
      computed: [T, F, T, F, T],
      accumulated: [0, 0.07532291533749999, 0, 0.07532291533749999, 0],
    },
    {
      name: 'identity rescale: computes once the sum reaches the threshold',
      coefficients: IDENTITY, threshold: 1,
      distances: [null, 0.5, 0.4, 0.3, 0.9, 0.2],
      computed: [T, F, F, T, F, T],
      accumulated: [0, 0.5, 0.9, 0, 0.9, 0],
    },
    {
      name: 'threshold 0 computes every step, even with a negative rescale',
      coefficients: [0, 0, 0, -1, 0], threshold: 0,
      distances: [null, 0.5, 0.4, 0.3],
      computed: [T, T, T, T],
      accumulated: [0, 0, 0, 0],
    },
    {
      name: 'a huge threshold still computes the first and last step',
      coefficients: IDENTITY, threshold: 5,
      distances: [null, 0.1, 0.1, 0.1, 0.1],
      computed: [T, F, F, F, T],
      accumulated: [0, 0.1, 0.2, 0.30000000000000004, 0],
    },
    {
      name: 'two steps: both forced',
      coefficients: IDENTITY, threshold: 5,
      distances: [null, 0.1],
      computed: [T, T],
      accumulated: [0, 0],
    },
  ])('$name', ({ coefficients, threshold, distances, computed, accumulated }) => {
    const trace = schedule({ coefficients, threshold }, distances)
    expect(trace.map((s) => s.computed)).toEqual(computed)
    trace.forEach((s, i) => expect(s.accumulated).toBeCloseTo(accumulated[i], 12))
    expect(trace.map((s) => s.index)).toEqual(distances.map((_, i) => i))
    expect(trace[0].rescaled).toBeNull()
    trace.slice(1).forEach((s, i) => expect(s.rescaled).toBeCloseTo(rescale(coefficients, distances[i + 1]!), 12))
  })
})

describe('createPolicy rejects a desynchronised mechanism', () => {
  const policy = () => createPolicy({ coefficients: IDENTITY, threshold: 1, numSteps: 3 })
  it.each([
    ['a step out of order', (p: ReturnType<typeof policy>) => p.decide(1, 0.1), /step 0 was expected/],
    ['a distance at step 0', (p: ReturnType<typeof policy>) => p.decide(0, 0.1), /every step but the first/],
    ['no distance after step 0', (p: ReturnType<typeof policy>) => (p.decide(0, null), p.decide(1, null)), /every step but the first/],
    ['a NaN distance', (p: ReturnType<typeof policy>) => (p.decide(0, null), p.decide(1, Number.NaN)), /distance is NaN/],
    ['more steps than announced', (p: ReturnType<typeof policy>) => [null, 0.1, 0.1, 0.1].forEach((d, i) => p.decide(i, d)), /only 3 steps/],
  ])('%s', (_, act, message) => {
    expect(() => act(policy())).toThrow(message)
  })

  it.each([
    [{ coefficients: [1, 2, 3], threshold: 1, numSteps: 3 }, /5 finite numbers/],
    [{ coefficients: IDENTITY, threshold: -1, numSteps: 3 }, /threshold/],
    [{ coefficients: IDENTITY, threshold: Number.NaN, numSteps: 3 }, /threshold/],
    [{ coefficients: IDENTITY, threshold: 1, numSteps: 0 }, /numSteps/],
  ])('bad options %j', (options, message) => {
    expect(() => createPolicy(options)).toThrow(message)
  })
})
