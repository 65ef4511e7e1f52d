import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { TeacacheError } from '../errors.ts'
import type { ArchitectureFacts } from '../policy/presets.ts'
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

// Only the run.json fields a plan reads, so older or richer records still load.
const runSchema = z.object({
  format: z.literal('teacache-run/1'),
  status: z.string(),
  config: z.object({
    model: z.string(), steps: z.number().int(), guidance_scale: z.number(), height: z.number(), width: z.number(),
    frames: z.number(), use_dynamic_cfg: z.boolean(),
  }),
  model: z.object({
    model: z.string(), transformer_class: z.string(), version: z.enum(['1.5', '1.0']), task: z.enum(['t2v', 'i2v']),
    num_layers: z.number(), num_attention_heads: z.number(),
  }),
  teacache: z.object({ enabled: z.boolean(), coefficients: z.array(z.number()).nullable(), coefficients_source: z.string().nullable() }),
  steps: z.array(z.object({ index: z.number(), timestep: z.number(), distance: z.number().nullable(), computed: z.boolean(), seconds: z.number().nullable() })),
  timings_s: z.object({ load: z.number().optional(), warmup: z.number().optional(), denoise: z.number(), decode: z.number(), total: z.number().optional() }),
  repeats: z.array(z.object({ denoise: z.number(), decode: z.number() })).optional(),
})

export async function traceFromRun(dir: string): Promise<RunTrace> {
  const file = join(dir, 'run.json')
  const fail = (why: string) => new TeacacheError('INPUT', `--from-run: ${file}: ${why}`)
  let raw: unknown
  try {
    raw = JSON.parse(await fs.readFile(file, 'utf8'))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw fail(code === 'ENOENT' ? 'does not exist; expected a run folder made by teacache run' : code ? `cannot be read (${code})` : `is not JSON (${(error as Error).message})`)
  }
  const parsed = runSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw fail(`not a teacache run record (${issue.path.join('.') || 'record'}: ${issue.message})`)
  }
  const run = parsed.data
  if (run.status !== 'completed') throw fail(`the run is "${run.status}"; a plan needs a completed run`)
  // Every run records its distances, a baseline too (measured beside diffusers' forward); a
  // baseline from before that has none past the first step.
  if (!run.teacache.enabled && run.steps.slice(1).some((s) => s.distance === null)) {
    throw fail('the baseline recorded no indicator distances (made by an older teacache, before baselines measured them); run it again, or give a run with TeaCache on')
  }
  if (run.steps.length !== run.config.steps || run.steps.some((s, i) => s.index !== i || (i === 0) !== (s.distance === null))) {
    throw fail(`expected ${run.config.steps} steps, each with an indicator distance but the first`)
  }
  const measured = run.steps.every((s) => s.seconds !== null && s.seconds >= 0)
  const { enabled: _, coefficients, coefficients_source } = run.teacache
  return {
    dir,
    distances: run.steps.map((s) => s.distance),
    timesteps: run.steps.map((s) => s.timestep),
    model: run.model,
    setting: run.config,
    coefficients: coefficients && coefficients.length === 5 ? { coefficients, source: coefficients_source ?? 'run' } : null,
    timings: measured
      ? { steps: run.steps.map((s) => ({ computed: s.computed, seconds: s.seconds as number })), ...run.timings_s, ...(run.repeats ? { repeats: run.repeats } : {}) }
      : null,
  }
}
