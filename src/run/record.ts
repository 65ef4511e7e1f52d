import type { Config } from '../config/schema.ts'
import type { ComputeCounts, Memory, ModelFacts, Versions, WorkCounts } from '../python/engine.ts'
import type { StepDecision } from '../policy/teacache.ts'
import type { RoundStop } from './repeats.ts'

/** The run.json contract that sweeps, reports and users read. Field names are stable. */
export type RunStatus = 'completed' | 'failed' | 'interrupted'

export interface StepRecord extends StepDecision {
  timestep: number
  seconds: number | null
}

export interface Timings {
  load: number
  /** The untimed warm-up generation before this process's first timed one (0 for later runs of a sweep, or --no-warmup). */
  warmup?: number
  /** torch.compile of the transformer blocks, paid inside the warm-up (0 when compile is off). */
  compile?: number
  encode_prompt: number
  denoise: number
  /** VAE decode plus the conversion to 8-bit frames in host memory: the part of `decode` that latency counts. */
  decode: number
  /** The VAE alone (part of `decode`). */
  vae?: number
  /** Writing the lossless PNG frames (not part of latency: an archive, like the MP4). */
  write_frames?: number
  encode_video: number
  total: number
}

/**
 * One timed generation of a run's cell. A sweep times a prompt x seed group in rounds (every cell
 * once per round, one process); `session` and `round` say which, so the report pairs a variant's
 * round with its baseline's round of the same session. Records from before rounds have neither.
 */
export interface RepeatTiming {
  denoise: number
  decode: number
  session?: string
  round?: number
}

/** A process that timed rounds of this cell's group, and why its rounds ended. */
export interface TimingSession {
  id: string
  host: string
  pid: number
  started_at: string
  /** The rounds this session timed of the group. */
  rounds: number
  /** `--repeats` as given: a count or "auto". */
  setting: number | 'auto'
  stop: RoundStop | 'running'
}

/** Where a run ran: pairs of one prompt and seed must share it for their speedup to mean anything. */
export interface WorkerInfo {
  host: string
  /** "cpu", "cuda", "cuda:1": the device as the run's process addressed it. */
  device: string
  /** The physical GPU index (after CUDA_VISIBLE_DEVICES), null on a CPU. */
  device_index: number | null
  device_name: string
  pid: number
}

export interface RunRecord {
  format: 'teacache-run/1'
  status: RunStatus
  error: { code: string; message: string } | null
  started_at: string
  finished_at: string
  /** The resolved config; `method` only for a sweep's runs of one of diffusers' caches. */
  config: Config & { config_path: string; method?: { name: string; params: Record<string, unknown> } }
  model: Pick<ModelFacts, 'model' | 'source' | 'pipeline_class' | 'transformer_class' | 'num_layers' | 'num_attention_heads' | 'version' | 'task' | 'patch_size_t' | 'ofs_embed_dim'>
  environment: Versions & { node: string; platform: string; device: string; device_name: string; dtype: string; teacache: string }
  teacache: { enabled: boolean; rel_l1_thresh: number; coefficients: readonly number[] | null; coefficients_source: string | null }
  steps: StepRecord[]
  computed_steps: number
  skipped_steps: number
  /** Times the patched forward really ran the transformer blocks (null for the unpatched baseline). */
  block_loops: number | null
  /**
   * The work that really ran inside the blocks, counted on each block's first layers (batch rows
   * through block bodies, attention and feed-forward; totals and per step). null with compiled
   * blocks; absent in records from before it was counted.
   */
  compute?: ComputeCounts | null
  timings_s: Timings
  /** Every timed generation of this cell, the first included (absent in records older than repeats). */
  repeats?: RepeatTiming[]
  /** The sessions whose rounds `repeats` holds (absent in records older than rounds). */
  timing?: { sessions: TimingSession[] }
  worker?: WorkerInfo
  memory: Memory | null
  output: { video: string | null; frames_dir: string | null; frames: number; height: number; width: number }
}

/**
 * Step records from the policy's decisions and measured times. Without a TeaCache decision (the
 * baseline, another method) a step counts as computed when every block ran on every row of the
 * step's batch, its attention and feed-forward included, as far as it was counted, and carries the
 * indicator distance measured beside the unpatched forward.
 */
export function stepRecords(
  decisions: readonly StepDecision[],
  timesteps: readonly number[],
  stepSeconds: readonly number[],
  compute: ComputeCounts | null = null,
  distances: ReadonlyArray<number | null> = [],
): StepRecord[] {
  return timesteps.map((timestep, index) => ({
    ...(decisions[index] ?? { index, distance: distances[index] ?? null, rescaled: null, accumulated: 0, computed: fullStep(compute, index) }),
    timestep,
    seconds: stepSeconds[index] ?? null,
  }))
}

/** Whether step `index` ran all of its work (true when nothing was counted). */
export function fullStep(compute: ComputeCounts | null, index: number): boolean {
  const step: WorkCounts | undefined = compute?.steps[index]
  if (!compute || !step) return true
  const full = compute.layers * step.input_rows
  return step.block_rows === full && step.attention_rows === full && step.feedforward_rows === full
}

export function countSteps(steps: readonly StepRecord[]): { computed_steps: number; skipped_steps: number } {
  const computed = steps.filter((s) => s.computed).length
  return { computed_steps: computed, skipped_steps: steps.length - computed }
}

export function pickModel(facts: ModelFacts): RunRecord['model'] {
  const { model, source, pipeline_class, transformer_class, num_layers, num_attention_heads, version, task, patch_size_t, ofs_embed_dim } = facts
  return { model, source, pipeline_class, transformer_class, num_layers, num_attention_heads, version, task, patch_size_t, ofs_embed_dim }
}
