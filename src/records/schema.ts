import { z } from 'zod'
import { fastList, isCount, isNumber, isObject } from '../util/fast-list.ts'

/**
 * The one schema of run.json. A resume, a report and a plan read records back, so they are
 * validated with the same rigour as a config. run.json keeps growing fields, so the schema checks
 * what readers use, and a reader keeps the record as it was read, never zod's copy: a stripped key
 * would change a run's settings fingerprint, or drop a field a newer reader wants (and copying every
 * record of a large sweep costs as much as reading it).
 *
 * Beyond shape, a completed record must be whole and its timings possible: every reader divides by
 * them (speedups, per-step medians), and one cut short or edited would be quoted as a result.
 * zod's numbers are finite already, so JSON's 1e400 (Infinity) is refused with the type.
 */
const count = z.number().int('expected an integer').min(0, 'expected 0 or more')
const seconds = z.number('expected seconds (a number)').min(0, 'expected seconds of 0 or more')
// A timed generation cannot take no time: 0 is a record that was edited or never measured.
const generation = z.number('expected seconds (a number)').positive('expected seconds above 0 (a timed generation takes time)')
const text = z.string('expected a text')

export const stepSchema = z.object({
  index: count,
  computed: z.boolean('expected true or false'),
  timestep: z.number('expected a number'),
  distance: z.number('expected a number or null').nullable(),
  seconds: seconds.nullable(),
})

const timingsSchema = z.object({
  load: seconds,
  encode_prompt: seconds,
  // Positive in a completed run (see below); a failed run may have stopped before either.
  denoise: seconds,
  decode: seconds,
  encode_video: seconds,
  total: seconds,
  warmup: seconds.optional(),
  compile: seconds.optional(),
  vae: seconds.optional(),
  write_frames: seconds.optional(),
})

/** One timed generation; `session` and `round` say which process and round timed it (absent in older records). */
const repeatSchema = z.object({
  denoise: generation,
  decode: generation,
  session: text.optional(),
  round: z.number('expected a round number').int('expected an integer round').min(1, 'expected a round of 1 or more').optional(),
})

export const workSchema = z.object({ input_rows: count, block_calls: count, block_rows: count, attention_rows: count, feedforward_rows: count })
/** The work that ran inside the blocks (absent in records from before it was counted). */
const computeSchema = workSchema.extend({ layers: count, steps: fastList(z.array(workSchema, 'expected a list of per-step counts'), isWorkRow) })

export const runRecordSchema = z
  .object({
    format: z.literal('teacache-run/1', 'expected "teacache-run/1" (a record written by teacache run)'),
    status: z.enum(['completed', 'failed', 'interrupted'], 'expected "completed", "failed" or "interrupted"'),
    error: z.object({ code: text, message: text }).nullable(),
    started_at: text,
    finished_at: text,
    config: z.object({
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
      teacache: z.object({ enabled: z.boolean('expected true or false') }),
    }),
    model: z.object({
      model: text,
      pipeline_class: text,
      transformer_class: text,
      num_layers: count,
      num_attention_heads: count,
      version: z.enum(['1.5', '1.0'], 'expected "1.5" or "1.0"'),
      task: z.enum(['t2v', 'i2v'], 'expected "t2v" or "i2v"'),
    }),
    environment: z.object({ python: text, torch: text, diffusers: text, transformers: text, device: text, device_name: text, dtype: text, teacache: text }),
    teacache: z.object({
      enabled: z.boolean('expected true or false'),
      rel_l1_thresh: z.number('expected a number'),
      coefficients: z.array(z.number('expected a number')).nullable(),
      coefficients_source: text.nullable(),
    }),
    steps: fastList(z.array(stepSchema, 'expected a list of steps'), isStepRow),
    computed_steps: count,
    skipped_steps: count,
    block_loops: count.nullable(),
    compute: computeSchema.nullable().optional(),
    timings_s: timingsSchema,
    repeats: z.array(repeatSchema, 'expected a list of timed generations').optional(),
    /** The sessions that timed the repeats, and how their rounds stopped (absent in older records). */
    timing: z.object({ sessions: z.array(z.object({ id: text }), 'expected a list of timing sessions') }, 'expected an object').optional(),
    worker: z
      .object({ host: text, device: text, device_index: count.nullable(), device_name: text, pid: count })
      .optional(),
    memory: z.object({ device_peak_bytes: count.nullable(), host_peak_rss_bytes: count }).nullable(),
    output: z.object({ video: text.nullable(), frames_dir: text.nullable(), frames: count, height: count, width: count }),
  })
  .superRefine((record, ctx) => {
    const issue = (path: Array<string | number>, message: string) => ctx.addIssue({ code: 'custom', path, message })
    if (record.status === 'completed') {
      // A completed run recorded every step it was asked for; fewer is a record cut short.
      if (record.steps.length !== record.config.steps) {
        issue(['steps'], `expected ${record.config.steps} entries (config.steps) in a completed run, found ${record.steps.length}: the record was cut short`)
      }
      for (const key of ['denoise', 'decode'] as const) {
        if (!(record.timings_s[key] > 0)) issue(['timings_s', key], 'expected seconds above 0 in a completed run')
      }
    }
    // Readers take the step counts from these totals and the schedule from the steps: they must agree.
    const computed = record.steps.filter((s) => s.computed).length
    if (record.computed_steps !== computed) issue(['computed_steps'], `expected ${computed} (the computed entries of steps)`)
    if (record.skipped_steps !== record.steps.length - computed) issue(['skipped_steps'], `expected ${record.steps.length - computed} (the skipped entries of steps)`)
    record.steps.forEach((step, i) => {
      if (step.index !== i) issue(['steps', i, 'index'], `expected ${i}`)
    })
  })

/** The two long lists of a record are checked fast (src/util/fast-list.ts); these are their elements as zod would take them. */
export function isStepRow(s: unknown): boolean {
  return isObject(s) && isCount(s.index) && typeof s.computed === 'boolean' && isNumber(s.timestep) &&
    (s.distance === null || isNumber(s.distance)) && (s.seconds === null || (isNumber(s.seconds) && s.seconds >= 0))
}

export function isWorkRow(w: unknown): boolean {
  return isObject(w) && isCount(w.input_rows) && isCount(w.block_calls) && isCount(w.block_rows) && isCount(w.attention_rows) && isCount(w.feedforward_rows)
}

/** "grid.seeds[0]: expected an integer seed": the first problem, as a config error reads. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0]
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[')
  return `${path || '(file)'}: ${issue.message}`
}
