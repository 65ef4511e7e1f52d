import { z } from 'zod'
import { MAX_PROMPT_CHARS, MAX_THRESHOLD } from '../config/schema.ts'
import { METHODS } from '../methods/registry.ts'
import { variantId, type MethodVariant } from '../methods/variant.ts'
import { buildRuns, gridKeys, type Grid } from './grid.ts'

/**
 * sweep.json is input too: a resume and a report read it back, so it is validated with the same
 * rigour as a config. run.json has its own schema, with the checks that make a record evidence,
 * in src/records/.
 */
// Manifest errors read like run.json's: the first issue, its path dotted.
export { firstIssue } from '../records/schema.ts'

const count = z.number().int('expected an integer').min(0, 'expected 0 or more')
const text = z.string('expected a text')

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
