import { describe, expect, it } from 'vitest'
import { describeLatencyModel, latencyModel, median, predictSeconds, predictSpeedup } from '../../src/plan/predict.ts'

const step = (computed: boolean, seconds: number) => ({ computed, seconds })

describe('latencyModel', () => {
  it('takes per-step medians (a slow warm-up step does not count as typical) and the loop overhead', () => {
    const model = latencyModel({
      steps: [step(true, 9), step(false, 0.2), step(true, 2), step(false, 0.4), step(true, 2), step(false, 0.3), step(true, 3)],
      encode_prompt: 0.5, denoise: 17.5, decode: 4, encode_video: 1,
    })
    expect(model).toEqual({
      computedStep: 2.5, skippedStep: 0.3, skippedMeasured: true,
      encodePrompt: 0.5, loopOverhead: 17.5 - 16.9, decode: 4, encodeVideo: 1,
    })
    expect(model.loopOverhead).toBeCloseTo(0.6, 10)
  })

  it('takes a skipped step as free when the run skipped none, and says the speedups are upper bounds', () => {
    const model = latencyModel({ steps: [step(true, 1), step(true, 1)], encode_prompt: 0, denoise: 2, decode: 0, encode_video: 0 })
    expect(model).toMatchObject({ skippedStep: 0, skippedMeasured: false })
    expect(describeLatencyModel(model)).toMatch(/skipped no step.*upper bounds/)
  })
})

describe('predictions', () => {
  const model = { computedStep: 2, skippedStep: 0.5, skippedMeasured: true, encodePrompt: 1, loopOverhead: 0, decode: 3, encodeVideo: 1 }
  it.each([
    [10, 0, 25, 1],
    [5, 5, 17.5, 25 / 17.5],
    [2, 8, 13, 25 / 13],
  ])('%i computed + %i skipped: %s s, %sx', (computed, skipped, seconds, speedup) => {
    expect(predictSeconds(model, computed, skipped)).toBeCloseTo(seconds, 10)
    expect(predictSpeedup(model, computed, skipped)).toBeCloseTo(speedup, 10)
  })

  it('states the model in words', () => {
    expect(describeLatencyModel(model)).toBe(
      'latency = encode prompt 1.000 s + loop overhead 0.000 s + computed x 2.000 s + skipped x 0.500 s + decode 3.000 s + video 1.000 s; ' +
        "per-step times are medians of the run's steps, model loading excluded",
    )
  })
})

describe('median', () => {
  it.each([[[], 0], [[3], 3], [[3, 1, 2], 2], [[4, 1, 3, 2], 2.5]])('%j -> %s', (values, expected) => {
    expect(median(values)).toBe(expected)
  })
})
