import { describe, expect, it } from 'vitest'
import { predictLatency, PUBLISHED } from '../../src/bench/predict.ts'

describe('predictLatency', () => {
  it('reproduces the published numbers from a measurement that matches them', () => {
    // 9.3 s a step, nothing else: 465 s for 50 steps, skips free.
    const p = predictLatency({ step_s: 9.3, skipped_step_s: 0, decode_s: 0 })
    expect(p.baseline_predicted_s).toBeCloseTo(465, 9)
    expect(p.baseline_ratio).toBeCloseTo(1, 12)
    // 322 / 465 x 50 = 34.6 -> 35; 260 -> 27.96 -> 28; 204 -> 21.9 -> 22.
    expect(p.thresholds.map((t) => t.computed_steps)).toEqual([35, 28, 22])
    expect(p.thresholds.map((t) => t.predicted_s)).toEqual([35 * 9.3, 28 * 9.3, 22 * 9.3])
  })

  it('takes the decode out of the denoise share and charges skipped steps', () => {
    const p = predictLatency({ step_s: 8, skipped_step_s: 0.1, decode_s: 65 })
    expect(p.baseline_predicted_s).toBe(465)
    // d = 65/465; (260/465 - d) / (1 - d) x 50 = (260 - 65) / 400 x 50 = 24.4 -> 24
    const t02 = p.thresholds.find((t) => t.threshold === 0.2)!
    expect(t02.computed_steps).toBe(24)
    expect(t02.predicted_s).toBeCloseTo(65 + 24 * 8 + 26 * 0.1, 9)
    expect(t02.predicted_speedup).toBeCloseTo(465 / t02.predicted_s, 12)
    expect(t02.published_speedup).toBeCloseTo(465 / 260, 12)
  })

  it('keeps at least the two forced steps', () => {
    const p = predictLatency({ step_s: 1, skipped_step_s: 0, decode_s: 1000 }, { ...PUBLISHED, thresholds: [{ threshold: 9, latency_s: 1 }] })
    expect(p.thresholds[0].computed_steps).toBe(2)
  })
})
