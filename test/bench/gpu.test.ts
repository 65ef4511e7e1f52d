import { describe, expect, it } from 'vitest'
import { analyzeGpu, COMPILE_TOLERANCE, renderGpuMarkdown, type GpuMeasurements } from '../../src/bench/gpu.ts'

const measured = (compile?: Partial<NonNullable<GpuMeasurements['compile']>>): GpuMeasurements => ({
  device: 'NVIDIA H100 80GB HBM3', dtype: 'bfloat16', torch: '2.13.0', parameters: 5.6e9, build_s: 12, latent_frames: 22,
  video: { height: 768, width: 1360, frames: 81 }, steps_timed: 3,
  step_s: { unpatched: [8.9, 9, 9.1], patched_computed: [9.01, 9.02, 9.0], patched_skipped: [0.05, 0.06, 0.05] },
  decode: { seconds: 15, vae_seconds: 14, output_shape: [81, 768, 1360, 3], peak_bytes: null },
  skip_fidelity: { steps: 6, computed: 3, every_step_s: 54, planned_s: 27.5, block_loops: 3, speedup: 54 / 27.5, ideal: 2, fidelity: 54 / 27.5 / 2 },
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
    [{}, /1\.200x eager.*within bf16 kernel noise \(0\.005\): compile: blocks is a free speedup here/],
    [{ speedup: 0.9 }, /no reason to use compile: blocks on this GPU/],
    [{ output_relative_l1_vs_eager: COMPILE_TOLERANCE * 2 }, /more than bf16 kernel noise \(0\.005\): compile: blocks is faster, but check what it does to your videos/],
  ])('judges torch.compile %j', (compile, verdict) => {
    expect(analyzeGpu(measured(compile), meta).compile_verdict).toMatch(verdict)
  })

  it('renders a table with the published comparison, saying the inferred speedups agree by construction', () => {
    const md = renderGpuMarkdown(analyzeGpu(measured({}), meta))
    expect(md).toContain('| 50-step baseline, predicted vs published | 466 s vs 465 s (1.00x) |')
    expect(md).toMatch(/\| threshold 0\.2: \d+\/50 computed \(inferred from the published latency\) \| \d+ s, compiled \d+ s vs published 260 s; speedup \d\.\d\dx vs published 1\.79x \(agrees by construction\) \|/)
    expect(md).toContain('5.60B transformer parameters')
    expect(md).toContain('| skip fidelity, measured: 6-step denoising loop computing 3 vs every step | 54.0 s vs 27.5 s: 1.964x of ideal 2.00x (fidelity 0.982) |')
  })

  it.each([
    { compile: { step_s: [7.9], eager_step_s: [9] }, ratioMet: true },
    { compile: { step_s: [8.1], eager_step_s: [9] }, ratioMet: false },
  ])('checks the goals: compiled/eager at most 0.88, 0.2 predicted in at most 200 s ($compile.step_s)', ({ compile, ratioMet }) => {
    const r = analyzeGpu(measured(compile), meta)
    const goal = (name: RegExp) => r.goals.find((g) => name.test(g.name))!
    expect(goal(/compiled step \/ eager/)).toMatchObject({ value: compile.step_s[0] / 9, met: ratioMet })
    // 0.2: d = 15 / 465.5; computed = round(50 (260/465 - d) / (1 - d)) = round(27.2) = 27; 15 + 27 x 9.01 + 23 x 0.05
    expect(goal(/eager \(s\)/).value).toBeCloseTo(15 + 27 * 9.01 + 23 * 0.05, 9)
    expect(goal(/eager \(s\)/).met).toBe(false)
    expect(goal(/compiled blocks \(s\)/).value).toBeCloseTo(15 + 27 * compile.step_s[0] + 23 * 0.05, 9)
  })
})
