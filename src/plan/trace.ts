import { join } from 'node:path'
import { TeacacheError } from '../errors.ts'
import type { ArchitectureFacts } from '../policy/presets.ts'
import { readEvidence } from '../records/evidence.ts'
import { RUN_RECORD } from '../run/safe-force.ts'
import type { RunTimings } from './predict.ts'

/**
 * The indicator trace a plan replays: one raw distance per step (null at step 0), measured from
 * the model's timestep embeddings or read back from an earlier run.json.
 */
export interface Trace {
  distances: Array<number | null>
  timesteps: number[]
}

/** What a plan takes from an earlier run: its trace, its setting, its choices and its timings. */
export interface RunTrace extends Trace {
  dir: string
  model: ArchitectureFacts & { model: string }
  setting: { model: string; steps: number; guidance_scale: number; height: number; width: number; frames: number; use_dynamic_cfg: boolean }
  coefficients: { coefficients: number[]; source: string } | null
  timings: RunTimings | null
}

export async function traceFromRun(dir: string): Promise<RunTrace> {
  const file = join(dir, RUN_RECORD)
  const fail = (why: string) => new TeacacheError('INPUT', `--from-run: ${file}: ${why}`)
  // The same checks as a resume and a report (src/records): a plan from a record cut short, or with
  // impossible timings, would print impossible latencies.
  const evidence = await readEvidence(file, null)
  if (!evidence.ok) {
    switch (evidence.status) {
      case 'absent':
        throw fail('does not exist; expected a run folder made by teacache run')
      case 'invalid':
        throw fail(`not a teacache run record (${evidence.reason})`)
      default:
        throw fail(evidence.reason)
    }
  }
  const run = evidence.record
  if (run.status !== 'completed') throw fail(`the run is "${run.status}"; a plan needs a completed run`)
  // Every run records its distances, a baseline too (measured beside diffusers' forward); a
  // baseline from before that has none past the first step.
  if (!run.teacache.enabled && run.steps.slice(1).some((s) => s.distance === null)) {
    throw fail('the baseline recorded no indicator distances (made by an older teacache, before baselines measured them); run it again, or give a run with TeaCache on')
  }
  if (run.steps.some((s, i) => (i === 0) !== (s.distance === null))) {
    throw fail(`expected ${run.config.steps} steps, each with an indicator distance but the first`)
  }
  const measured = run.steps.every((s) => s.seconds !== null)
  const { coefficients, coefficients_source } = run.teacache
  const { load, warmup, denoise, decode, total } = run.timings_s
  return {
    dir,
    distances: run.steps.map((s) => s.distance),
    timesteps: run.steps.map((s) => s.timestep),
    model: run.model,
    setting: run.config,
    coefficients: coefficients && coefficients.length === 5 ? { coefficients: [...coefficients], source: coefficients_source ?? 'run' } : null,
    timings: measured
      ? { steps: run.steps.map((s) => ({ computed: s.computed, seconds: s.seconds as number })), load, warmup, denoise, decode, total, ...(run.repeats ? { repeats: run.repeats } : {}) }
      : null,
  }
}
