import type { RunDigest } from './digest.ts'
import { runTiming } from './timing.ts'

/** What the report's Setup section says about the runs, from their records (pure). */
export interface Setup {
  model: string
  version: string
  task: 't2v' | 'i2v'
  pipeline: string
  layers: number
  heads: number
  width: number
  height: number
  frames: number
  steps: number
  guidance: number
  dynamicCfg: boolean
  fps: number
  dtypes: string[]
  devices: string[]
  versions: string[]
  coefficients: string | null
  /** Fewest and most timed repeats of a completed run. */
  repeats: { min: number; max: number } | null
  started: string | null
  finished: string | null
}

const distinct = (values: readonly string[]) => [...new Set(values)].sort()

export function buildSetup(records: readonly RunDigest[]): Setup | null {
  const first = records.find((r) => r.status === 'completed') ?? records[0]
  if (!first) return null
  const { config, model } = first
  const cached = records.find((r) => r.teacache.enabled && r.teacache.coefficients)
  const times = records.flatMap((r) => [r.started_at, r.finished_at]).sort()
  const repeats = records.filter((r) => r.status === 'completed').map((r) => runTiming(r).n)
  return {
    model: model.model,
    version: model.version,
    task: model.task,
    pipeline: model.pipeline_class,
    layers: model.num_layers,
    heads: model.num_attention_heads,
    width: config.width,
    height: config.height,
    frames: config.frames,
    steps: config.steps,
    guidance: config.guidance_scale,
    dynamicCfg: config.use_dynamic_cfg,
    fps: config.fps,
    dtypes: distinct(records.map((r) => r.environment.dtype)),
    devices: distinct(records.map((r) => (r.environment.device_name && r.environment.device_name !== r.environment.device ? `${r.environment.device} (${r.environment.device_name})` : r.environment.device))),
    versions: distinct(records.map((r) => `torch ${r.environment.torch}, diffusers ${r.environment.diffusers}, transformers ${r.environment.transformers}, Python ${r.environment.python}, teacache ${r.environment.teacache}`)),
    coefficients: cached ? `[${cached.teacache.coefficients!.join(', ')}] (${cached.teacache.coefficients_source})` : null,
    repeats: repeats.length ? { min: repeats.reduce((a, b) => Math.min(a, b)), max: repeats.reduce((a, b) => Math.max(a, b)) } : null,
    started: times[0] ?? null,
    finished: times.at(-1) ?? null,
  }
}
