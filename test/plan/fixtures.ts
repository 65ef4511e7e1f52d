import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { schedule } from '../../src/policy/teacache.ts'

/** A hand-made trace (identity coefficients: rescaled = distance) and run records built from it. */
export const IDENTITY = [0, 0, 0, 1, 0]
export const TRACE: Array<number | null> = [null, 0.1, 0.25, 0.05, 0.3, 0.1, 0.1, 0.2, 0.15, 0.05, 0.4, 0.1]

export interface FixtureTimings {
  computed: number
  skipped: number
  /** The denoising loop's time beyond its steps. */
  overhead: number
  decode: number
}

/** A completed run.json of the tiny model over `distances`, as `teacache run` would write it. */
export function fixtureRun(distances: Array<number | null>, threshold: number, t: FixtureTimings, coefficients = IDENTITY) {
  const decisions = schedule({ coefficients, threshold }, distances)
  const steps = decisions.map((d) => ({ ...d, timestep: 999 - d.index, seconds: d.computed ? t.computed : t.skipped }))
  const denoise = steps.reduce((s, x) => s + x.seconds, t.overhead)
  const computed = steps.filter((s) => s.computed).length
  return {
    format: 'teacache-run/1',
    status: 'completed',
    error: null,
    started_at: '2025-01-01T00:00:00.000Z',
    finished_at: '2025-01-01T00:01:00.000Z',
    config: {
      model: 'tiny', prompt: 'a cat', seed: 42, steps: distances.length, guidance_scale: 6, height: 64, width: 64, frames: 17, fps: 8, use_dynamic_cfg: true,
      teacache: { enabled: true, rel_l1_thresh: threshold, coefficients },
    },
    model: { model: 'tiny', pipeline_class: 'CogVideoXPipeline', transformer_class: 'CogVideoXTransformer3DModel', version: '1.5', task: 't2v', num_layers: 2, num_attention_heads: 2 },
    environment: { python: '3.11.7', torch: '2.13.0+cpu', diffusers: '0.42.1', transformers: '5.24.0', device: 'cpu', device_name: 'Test CPU', dtype: 'float32', teacache: '0.1.0' },
    teacache: { enabled: true, rel_l1_thresh: threshold, coefficients, coefficients_source: 'config' },
    steps,
    computed_steps: computed,
    skipped_steps: steps.length - computed,
    block_loops: computed,
    memory: null,
    output: { video: 'video.mp4', frames_dir: 'frames', frames: 17, height: 64, width: 64 },
    // Prompt encoding and the MP4 are no part of latency: a plan must leave them out.
    timings_s: { load: 1, warmup: 1, encode_prompt: 0.25, denoise, decode: t.decode, encode_video: 0.25, total: 2.5 + denoise + t.decode },
  }
}

export function writeRun(dir: string, record: object): string {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'run.json'), JSON.stringify(record))
  return dir
}
