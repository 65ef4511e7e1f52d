import { describe, expect, it } from 'vitest'
import { analyzeGpu, COMPILE_TOLERANCE, renderGpuMarkdown, type GpuMeasurements } from '../../src/bench/gpu.ts'

const measured = (compile?: Partial<NonNullable<GpuMeasurements['compile']>>): GpuMeasurements => ({
  device: 'NVIDIA H100 80GB HBM3', dtype: 'bfloat16', torch: '2.13.0', parameters: 5.6e9, build_s: 12, latent_frames: 22,
  video: { height: 768, width: 1360, frames: 81 }, steps_timed: 3,
  step_s: { unpatched: [8.9, 9, 9.1], patched_computed: [9.01, 9.02, 9.0], patched_skipped: [0.05, 0.06, 0.05] },
  decode: { seconds: 15, output_shape: [1, 3, 81, 768, 1360], peak_bytes: null },
  ...(compile
    ? { compile: { compile_and_first_steps_s: 120, step_s: [7], eager_step_s: [9], speedup: 1.2, output_relative_l1_vs_eager: 1e-3, output_max_abs_diff_vs_eager: 0.1, ...compile } }
    : {}),
})

describe('analyzeGpu', () => {
  const meta = { date: '2026-01-01', command: 'teacache bench --gpu' }

  it('predicts the 50-step latency from the computed-step, skipped-step and decode times', () => {
    const r = analyzeGpu(measured(), meta)
    expect(r.per_step_s).toEqual({ unpatched: 9, patched_computed: 9.01, patched_skipped: 0.05, compiled: null })
    expect(r.overhead_ratio).toBeCloseTo(9.01 / 9, 12)
    expect(r.prediction.baseline_predicted_s).toBeCloseTo(50 * 9.01 + 15, 9)
    expect(r.compile_verdict).toBeNull()
  })

  it.each([
    [{}, /1\.200x eager.*worth offering as a config switch/],
    [{ speedup: 0.9 }, /not worth a config switch \(not faster\)/],
    [{ output_relative_l1_vs_eager: COMPILE_TOLERANCE * 2 }, /not worth a config switch \(output differs from eager by more than 0\.005\)/],
  ])('judges torch.compile %j', (compile, verdict) => {
    expect(analyzeGpu(measured(compile), meta).compile_verdict).toMatch(verdict)
  })

  it('renders a table with the published comparison', () => {
    const md = renderGpuMarkdown(analyzeGpu(measured({}), meta))
    expect(md).toContain('| 50-step baseline, predicted vs published | 466 s vs 465 s (1.00x) |')
    expect(md).toMatch(/\| threshold 0\.2: \d+\/50 computed \| \d+ s \(\d\.\d\dx\) vs published 260 s \(1\.79x\) \|/)
    expect(md).toContain('5.60B parameters')
  })
})
