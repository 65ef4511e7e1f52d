import type { ComputeCounts } from '../python/engine.ts'
import type { RunRecord } from '../run/record.ts'

/**
 * What a report reads of one run.json (pure). A record carries per-step lists (decisions,
 * distances, block counts) that make it about 20 KB; the report needs only the schedule and what
 * follows from the lists, so a large sweep's report keeps this digest per run instead of the
 * record (./record-index.ts stores them between reports). Every field keeps run.json's name and
 * type, so code that reads timings or placement takes a record or a digest alike.
 */
export type ComputeTotals = Omit<ComputeCounts, 'steps'>

export interface RunDigest
  extends Pick<RunRecord, 'status' | 'error' | 'started_at' | 'finished_at' | 'model' | 'environment' | 'teacache' | 'computed_steps' | 'block_loops' | 'timings_s' | 'repeats' | 'timing' | 'worker' | 'memory' | 'output'> {
  config: Pick<RunRecord['config'], 'width' | 'height' | 'frames' | 'steps' | 'guidance_scale' | 'use_dynamic_cfg' | 'fps'>
  /** Per step, whether it computed. */
  schedule: boolean[]
  /** What a skipped step cost: the median of the timed skipped steps (0 when none was timed). */
  skippedStep: number
  /** The block counts over the whole run; null when not counted (compiled blocks, older records). */
  compute: ComputeTotals | null
  /** Per step, the share of its full work that ran; null when not counted. */
  stepWork: number[] | null
}

export function digestOf(record: RunRecord): RunDigest {
  const { config, compute } = record
  return {
    status: record.status,
    error: record.error,
    started_at: record.started_at,
    finished_at: record.finished_at,
    config: { width: config.width, height: config.height, frames: config.frames, steps: config.steps, guidance_scale: config.guidance_scale, use_dynamic_cfg: config.use_dynamic_cfg, fps: config.fps },
    model: record.model,
    environment: record.environment,
    teacache: record.teacache,
    computed_steps: record.computed_steps,
    block_loops: record.block_loops,
    timings_s: record.timings_s,
    repeats: record.repeats,
    timing: record.timing,
    worker: record.worker,
    memory: record.memory,
    output: record.output,
    schedule: record.steps.map((s) => s.computed),
    skippedStep: skippedStepCost(record),
    compute: compute ? totals(compute) : null,
    stepWork: stepWork(compute),
  }
}

function totals({ steps: _steps, ...rest }: ComputeCounts): ComputeTotals {
  return rest
}

function skippedStepCost(record: RunRecord): number {
  const times = record.steps.filter((s) => !s.computed && s.seconds !== null && Number.isFinite(s.seconds)).map((s) => s.seconds as number).sort((a, b) => a - b)
  return times.length ? times[times.length >> 1] : 0
}

/** Per step, the share of its full work that ran (1: all of it, 0: no block ran); null when not counted. */
export function stepWork(compute: ComputeCounts | null | undefined): number[] | null {
  if (!compute) return null
  return compute.steps.map((s) => {
    const full = 3 * compute.layers * s.input_rows
    return full > 0 ? (s.block_rows + s.attention_rows + s.feedforward_rows) / full : 1
  })
}
