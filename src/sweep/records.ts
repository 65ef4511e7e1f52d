import { z } from 'zod'
import { MAX_PROMPT_CHARS, MAX_THRESHOLD } from '../config/schema.ts'
import { METHODS } from '../methods/registry.ts'
import { variantId, type MethodVariant } from '../methods/variant.ts'
import type { RunRecord } from '../run/record.ts'
import { buildRuns, gridKeys, type Grid } from './grid.ts'

/**
 * run.json and sweep.json are input too: a resume, a report and a plan read them back, so they
 * are validated with the same rigour as a config. run.json keeps growing fields, so its schema
 * checks what readers use and passes every other key through unchanged (loose objects all the
 * way down: a stripped key would change a run's settings fingerprint, or drop a field a newer
 * reader wants).
 */
const count = z.number().int('expected an integer').min(0, 'expected 0 or more')
const seconds = z.number('expected seconds (a number)').min(0, 'expected seconds of 0 or more')
const text = z.string('expected a text')

const stepSchema = z.looseObject({
  index: count,
  computed: z.boolean('expected true or false'),
  timestep: z.number('expected a number'),
  distance: z.number('expected a number or null').nullable(),
  seconds: seconds.nullable(),
})

const timingsSchema = z.looseObject({
  load: seconds,
  encode_prompt: seconds,
  denoise: seconds,
  decode: seconds,
  encode_video: seconds,
  total: seconds,
  warmup: seconds.optional(),
  compile: seconds.optional(),
  vae: seconds.optional(),
  write_frames: seconds.optional(),
})

const workSchema = z.looseObject({ input_rows: count, block_calls: count, block_rows: count, attention_rows: count, feedforward_rows: count })
/** The work that ran inside the blocks (absent in records from before it was counted). */
const computeSchema = workSchema.extend({ layers: count, steps: z.array(workSchema, 'expected a list of per-step counts') })

export const runRecordSchema = z
  .looseObject({
    format: z.literal('teacache-run/1', 'expected "teacache-run/1" (a record written by teacache run)'),
    status: z.enum(['completed', 'failed', 'interrupted'], 'expected "completed", "failed" or "interrupted"'),
    error: z.looseObject({ code: text, message: text }).nullable(),
    started_at: text,
    finished_at: text,
    config: z.looseObject({
      model: text,
      prompt: text,
      seed: count,
      steps: count,
      guidance_scale: z.number('expected a number'),
      use_dynamic_cfg: z.boolean('expected true or false'),
      height: count,
      width: count,
      frames: count,
      fps: count.min(1, 'expected 1 or more'),
      teacache: z.looseObject({ enabled: z.boolean('expected true or false') }),
    }),
    model: z.looseObject({
      model: text,
      pipeline_class: text,
      transformer_class: text,
      num_layers: count,
      num_attention_heads: count,
      version: z.enum(['1.5', '1.0'], 'expected "1.5" or "1.0"'),
      task: z.enum(['t2v', 'i2v'], 'expected "t2v" or "i2v"'),
    }),
    environment: z.looseObject({ python: text, torch: text, diffusers: text, transformers: text, device: text, device_name: text, dtype: text, teacache: text }),
    teacache: z.looseObject({
      enabled: z.boolean('expected true or false'),
      rel_l1_thresh: z.number('expected a number'),
      coefficients: z.array(z.number('expected a number')).nullable(),
      coefficients_source: text.nullable(),
    }),
    steps: z.array(stepSchema, 'expected a list of steps'),
    computed_steps: count,
    skipped_steps: count,
    block_loops: count.nullable(),
    compute: computeSchema.nullable().optional(),
    timings_s: timingsSchema,
    repeats: z.array(z.looseObject({ denoise: seconds, decode: seconds })).optional(),
    worker: z
      .looseObject({ host: text, device: text, device_index: count.nullable(), device_name: text, pid: count })
      .optional(),
    memory: z.looseObject({ device_peak_bytes: count.nullable(), host_peak_rss_bytes: count }).nullable(),
    output: z.looseObject({ video: text.nullable(), frames_dir: text.nullable(), frames: count, height: count, width: count }),
  })
  .superRefine((record, ctx) => {
    // Readers take the step counts from these totals and the schedule from the steps: they must agree.
    const computed = record.steps.filter((s) => s.computed).length
    if (record.computed_steps !== computed) ctx.addIssue({ code: 'custom', path: ['computed_steps'], message: `expected ${computed} (the computed entries of steps)` })
    if (record.skipped_steps !== record.steps.length - computed) {
      ctx.addIssue({ code: 'custom', path: ['skipped_steps'], message: `expected ${record.steps.length - computed} (the skipped entries of steps)` })
    }
    record.steps.forEach((step, i) => {
      if (step.index !== i) ctx.addIssue({ code: 'custom', path: ['steps', i, 'index'], message: `expected ${i}` })
    })
  })

/** A variant as the grid holds it: its parameters checked by the method's own schema. */
const variantSchema = z.discriminatedUnion(
  'method',
  METHODS.map((m) => z.object({ id: text, method: z.literal(m.name), params: m.schema })) as unknown as [z.ZodObject, ...z.ZodObject[]],
  'expected {id, method, params} with a method teacache runs beside TeaCache',
)

const seed = z.number('expected an integer seed').int('expected an integer seed').min(0, 'expected a seed of 0 or more').max(2 ** 32 - 1, 'expected a seed of at most 4294967295')
const threshold = z.number('expected a threshold (a number)').min(0, 'expected a threshold of 0 or more').max(MAX_THRESHOLD, `expected a threshold of at most ${MAX_THRESHOLD}`)

export const manifestSchema = z
  .object({
    format: z.literal('teacache-sweep/1', 'expected "teacache-sweep/1" (a manifest written by teacache sweep)'),
    config_path: text,
    settings: z.record(z.string(), z.unknown(), 'expected the sweep\'s settings (an object)'),
    fingerprint: z.string('expected a text').regex(/^[0-9a-f]{16}$/, 'expected 16 hexadecimal digits'),
    grid: z.object({
      prompts: z.array(text.min(1, 'expected a non-empty prompt').max(MAX_PROMPT_CHARS, `expected at most ${MAX_PROMPT_CHARS} characters`), 'expected a list of prompts').min(1, 'expected at least one prompt'),
      seeds: z.array(seed, 'expected a list of seeds').min(1, 'expected at least one seed'),
      thresholds: z.array(threshold, 'expected a list of thresholds'),
      compile: z.array(z.enum(['none', 'blocks'], 'expected none or blocks'), 'expected a list of compile modes').min(1, 'expected at least one compile mode').optional(),
      methods: z.array(variantSchema, 'expected a list of method variants').min(1, 'expected at least one method variant').optional(),
    }),
    runs: z.array(
      z.object({
        id: text, prompt_index: count, seed, threshold: threshold.nullable(),
        compile: z.literal('blocks', 'expected "blocks" or no compile key').optional(),
        method: text.optional(),
      }),
      'expected the list of runs',
    ),
    history: z
      .array(
        z.object({
          date: text,
          added: z.record(z.string(), z.array(z.union([z.string(), z.number()]), 'expected a list of values'), 'expected the values each list gained'),
          runs: count,
        }),
        'expected the list of growths',
      )
      .optional(),
  })
  .superRefine((manifest, ctx) => {
    const methods = (manifest.grid.methods ?? []) as unknown as MethodVariant[]
    methods.forEach((variant, i) => {
      // Ids name run folders and follow from the parameters; MagCache's ratios are resolved to numbers.
      if (variant.id !== variantId(variant.method, variant.params)) ctx.addIssue({ code: 'custom', path: ['grid', 'methods', i, 'id'], message: `expected "${variantId(variant.method, variant.params)}" (the id its parameters give)` })
      if (variant.method === 'magcache' && !Array.isArray(variant.params.ratios)) ctx.addIssue({ code: 'custom', path: ['grid', 'methods', i, 'params', 'ratios'], message: 'expected the ratios as numbers' })
    })
    if (methods.length > 0 && manifest.grid.compile && !manifest.grid.compile.includes('none')) {
      ctx.addIssue({ code: 'custom', path: ['grid', 'methods'], message: 'expected compile to include none (methods run on eager blocks)' })
    }
    for (const key of gridKeys()) {
      const values: Array<string | number> = key === 'methods' ? methods.map((v) => v.id) : ((manifest.grid[key] as Array<string | number> | undefined) ?? [])
      const twice = values.findIndex((v, i) => values.indexOf(v) !== i)
      if (twice >= 0) ctx.addIssue({ code: 'custom', path: ['grid', key, twice], message: 'expected every entry once (each names its own run folders)' })
    }
    // Run folders follow from the grid; a list that disagrees was not written by teacache.
    const expected = buildRuns(manifest.grid as Grid)
    if (manifest.runs.length !== expected.length) {
      ctx.addIssue({ code: 'custom', path: ['runs'], message: `expected ${expected.length} runs (every prompt x seed x (baseline + thresholds + methods))` })
      return
    }
    expected.forEach((run, i) => {
      const listed = manifest.runs[i]
      if (listed.id !== run.id || listed.prompt_index !== run.promptIndex || listed.seed !== run.seed || listed.threshold !== run.threshold || (listed.compile ?? 'none') !== run.compile || (listed.method ?? null) !== (run.method?.id ?? null)) {
        ctx.addIssue({ code: 'custom', path: ['runs', i], message: `expected {id: "${run.id}", prompt_index: ${run.promptIndex}, seed: ${run.seed}, threshold: ${run.threshold}} (the runs follow from the grid)` })
      }
    })
  })

/** "grid.seeds[0]: expected an integer seed": the first problem, as a config error reads. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0]
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[')
  return `${path || '(file)'}: ${issue.message}`
}

export type ValidRecord = { ok: true; record: RunRecord } | { ok: false; problem: string }

/** A run.json's parsed JSON, validated; every key it holds is kept. */
export function validateRunRecord(value: unknown): ValidRecord {
  const parsed = runRecordSchema.safeParse(value)
  // The schema checks the fields readers use; the record type names the rest.
  return parsed.success ? { ok: true, record: parsed.data as unknown as RunRecord } : { ok: false, problem: firstIssue(parsed.error) }
}
