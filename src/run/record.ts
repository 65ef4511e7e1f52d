import type { Config } from '../config/schema.ts'
import type { Memory, ModelFacts, Versions } from '../python/bridge.ts'
import type { StepDecision } from '../policy/teacache.ts'

/** The run.json contract that sweeps, reports and users read. Field names are stable. */
export type RunStatus = 'completed' | 'failed' | 'interrupted'

export interface StepRecord extends StepDecision {
  timestep: number
  seconds: number | null
}

export interface Timings {
  load: number
  encode_prompt: number
  denoise: number
  decode: number
  encode_video: number
  total: number
}

export interface RunRecord {
  format: 'teacache-run/1'
  status: RunStatus
  error: { code: string; message: string } | null
  started_at: string
  finished_at: string
  config: Config & { config_path: string }
  model: Pick<ModelFacts, 'model' | 'source' | 'pipeline_class' | 'transformer_class' | 'num_layers' | 'num_attention_heads' | 'version' | 'task' | 'patch_size_t' | 'ofs_embed_dim'>
  environment: Versions & { node: string; platform: string; device: string; device_name: string; dtype: string; teacache: string }
  teacache: { enabled: boolean; rel_l1_thresh: number; coefficients: readonly number[] | null; coefficients_source: string | null }
  steps: StepRecord[]
  computed_steps: number
  skipped_steps: number
  /** Times the patched forward really ran the transformer blocks (null for the unpatched baseline). */
  block_loops: number | null
  timings_s: Timings
  memory: Memory | null
  output: { video: string | null; frames_dir: string | null; frames: number; height: number; width: number }
}

/** Step records from the policy's decisions (or all-computed for the unpatched forward) and measured times. */
export function stepRecords(
  decisions: readonly StepDecision[],
  timesteps: readonly number[],
  stepSeconds: readonly number[],
): StepRecord[] {
  return timesteps.map((timestep, index) => ({
    ...(decisions[index] ?? { index, distance: null, rescaled: null, accumulated: 0, computed: true }),
    timestep,
    seconds: stepSeconds[index] ?? null,
  }))
}

export function countSteps(steps: readonly StepRecord[]): { computed_steps: number; skipped_steps: number } {
  const computed = steps.filter((s) => s.computed).length
  return { computed_steps: computed, skipped_steps: steps.length - computed }
}

export function pickModel(facts: ModelFacts): RunRecord['model'] {
  const { model, source, pipeline_class, transformer_class, num_layers, num_attention_heads, version, task, patch_size_t, ofs_embed_dim } = facts
  return { model, source, pipeline_class, transformer_class, num_layers, num_attention_heads, version, task, patch_size_t, ofs_embed_dim }
}
