import { z } from 'zod'

/**
 * The config file format, and the single source of truth for its fields, types and defaults.
 * Rules that need more than one field or the model's facts live in rules.ts.
 */

export const DEVICE_PATTERN = /^(auto|cpu|cuda(:\d+)?)$/
export const MAX_THRESHOLD = 5
export const MAX_STEPS = 1000
export const MAX_PROMPT_CHARS = 10_000

const coefficients = z
  .array(z.number({ error: 'expected a number' }))
  .length(5, 'expected 5 numbers (a degree-4 polynomial, highest power first)')

export const teacacheSchema = z.strictObject({
  enabled: z.boolean().default(true),
  rel_l1_thresh: z
    .number({ error: 'expected a number' })
    .min(0, 'expected a threshold of 0 or more (0 computes every step)')
    .max(MAX_THRESHOLD, `expected a threshold of at most ${MAX_THRESHOLD}; larger ones skip every step but the first and last`),
  /** 5 numbers, or the path of a file written by `teacache calibrate` (relative to the config file). */
  coefficients: z
    .union([coefficients, z.string().min(1, 'expected a path to a coefficients file')], {
      error: 'expected 5 numbers (highest power first) or the path of a coefficients file written by teacache calibrate',
    })
    .optional(),
})

/** `teacache sweep`: the grid of runs. Every field can also come from the command line. */
export const sweepSchema = z.strictObject({
  thresholds: z.array(teacacheSchema.shape.rel_l1_thresh).min(1, 'expected at least one threshold').optional(),
  /** A list of prompts, or a file with one prompt per line (relative to the config file). */
  prompts: z
    .union([z.string().min(1), z.array(z.string().refine((s) => s.trim().length > 0, 'expected a non-empty prompt')).min(1)])
    .optional(),
  seeds: z.array(z.number().int('expected an integer').min(0).max(2 ** 32 - 1)).min(1, 'expected at least one seed').optional(),
  /** Eager ("none") and/or compiled ("blocks") variants, each with its own baseline and thresholds, all compared with the eager baseline. */
  compile: z.array(z.enum(['none', 'blocks'])).min(1, 'expected at least one of none, blocks').optional(),
  /**
   * Variants beside the baseline: "teacache:0.1" (a threshold), diffusers' caches as "fbc:0.05",
   * "pab", ... or {method: pab, spatial_attention_block_skip_range: 3} (src/methods/ has their parameters).
   */
  methods: z
    .array(
      // Only the shape here: each method's parameters are checked where a sweep resolves its list
      // (src/methods/resolve.ts), so a command that runs no sweep never loads the method files.
      // The value passes through as written: a copy would turn a __proto__ key into a prototype.
      z.unknown().refine(
        (v) => (typeof v === 'string' && v.trim() !== '') || (typeof v === 'object' && v !== null && !Array.isArray(v)),
        'expected a method such as "fbc:0.05" or {method: fbc, threshold: 0.05}',
      ),
      'expected a list of methods, e.g. [teacache:0.1, fbc:0.05, pab]',
    )
    .min(1, 'expected at least one method')
    .optional(),
})

const positiveInt = (what: string, max: number) =>
  z
    .number({ error: `expected ${what}` })
    .int(`expected ${what}`)
    .min(1, `expected ${what} of 1 or more`)
    .max(max, `expected ${what} of at most ${max}`)

export const configSchema = z.strictObject({
  model: z.string().min(1, 'expected a hub id, a local folder or "tiny"'),
  prompt: z
    .string({ error: 'expected a text' })
    .refine((s) => s.trim().length > 0, 'expected a non-empty prompt')
    .refine((s) => s.length <= MAX_PROMPT_CHARS, `expected at most ${MAX_PROMPT_CHARS} characters`),
  negative_prompt: z.string().max(MAX_PROMPT_CHARS).optional(),
  image: z.string().min(1, 'expected a path to an image').optional(),
  seed: z.number({ error: 'expected an integer' }).int('expected an integer').min(0, 'expected a seed from 0 to 4294967295').max(2 ** 32 - 1, 'expected a seed from 0 to 4294967295').default(42),
  steps: z
    .number({ error: 'expected an integer' })
    .int('expected an integer')
    .min(2, 'expected at least 2 steps (the first and last are always computed)')
    .max(MAX_STEPS, `expected at most ${MAX_STEPS} steps`),
  guidance_scale: z.number({ error: 'expected a number' }).min(0, 'expected a guidance scale from 0 to 100').max(100, 'expected a guidance scale from 0 to 100').default(6),
  use_dynamic_cfg: z.boolean().default(true),
  height: positiveInt('a height in pixels', 4096),
  width: positiveInt('a width in pixels', 4096),
  frames: positiveInt('a frame count', 1025),
  fps: positiveInt('frames per second', 240).default(16),
  device: z.string().regex(DEVICE_PATTERN, 'expected "auto", "cpu", "cuda" or "cuda:N"').default('auto'),
  dtype: z.enum(['auto', 'float32', 'float16', 'bfloat16']).default('auto'),
  vae_slicing: z.boolean().default(true),
  vae_tiling: z.boolean().default(true),
  cpu_offload: z.enum(['none', 'model', 'sequential']).default('none'),
  threads: z.number({ error: 'expected an integer' }).int('expected an integer').min(0, 'expected 0 (torch\'s default) to 1024 threads').max(1024, 'expected 0 (torch\'s default) to 1024 threads').default(0),
  /** Where the initial noise is drawn: "cpu" gives the same video on every machine; "device" is the TeaCache reference's torch.Generator("cuda"). */
  generator: z.enum(['cpu', 'device']).default('cpu'),
  /** torch.compile on each transformer block ("blocks"); the TeaCache forward and its decision stay eager. */
  compile: z.enum(['none', 'blocks']).default('none'),
  /** Run Python code shipped inside a checkpoint (custom pipeline components). Off unless asked for. */
  trust_remote_code: z.boolean().default(false),
  /** Folder under which new run folders are made (relative to the config file). */
  output: z.string().min(1).default('outputs'),
  teacache: teacacheSchema,
  sweep: sweepSchema.optional(),
})

export type Config = z.output<typeof configSchema>

export const CONFIG_KEYS = Object.keys(configSchema.shape)
export const TEACACHE_KEYS = Object.keys(teacacheSchema.shape)
export const SWEEP_KEYS = Object.keys(sweepSchema.shape)

/** The commands that take config overrides on the command line. */
export const OVERRIDE_COMMANDS = ['run', 'sweep', 'plan', 'calibrate'] as const
export type OverrideCommand = (typeof OVERRIDE_COMMANDS)[number]

/**
 * A config field that a flag may override: the flag is the field's name in kebab case
 * (rel_l1_thresh: --rel-l1-thresh), its value is checked with the field's own schema above, and
 * `commands` lists the commands where it means something (src/cli/overrides.ts builds the options).
 */
export interface OverridableField {
  field: Exclude<keyof Config, 'teacache' | 'sweep'> | `teacache.${Exclude<keyof Config['teacache'], 'enabled'>}`
  /** What the value is, for --help; enum fields list their values without it. */
  value?: string
  help: string
  commands: readonly OverrideCommand[]
}

const every = OVERRIDE_COMMANDS
/** The commands that generate videos (plan only measures the timestep embeddings). */
const generating = ['run', 'sweep', 'calibrate'] as const

export const OVERRIDABLE: readonly OverridableField[] = [
  { field: 'model', value: 'id|dir', help: 'hub id (from the local Hugging Face cache), pipeline folder, or a built-in model (tiny, random-5b, ...)', commands: every },
  { field: 'prompt', value: 'text', help: 'the prompt', commands: ['run', 'calibrate'] },
  { field: 'negative_prompt', value: 'text', help: 'the negative prompt', commands: generating },
  { field: 'image', value: 'path', help: 'conditioning image (image-to-video models)', commands: generating },
  { field: 'seed', value: 'n', help: 'random seed', commands: ['run', 'calibrate'] },
  { field: 'steps', value: 'n', help: 'denoising steps', commands: every },
  { field: 'guidance_scale', value: 'x', help: 'classifier-free guidance scale', commands: every },
  { field: 'height', value: 'px', help: 'frame height in pixels (a multiple of 16)', commands: generating },
  { field: 'width', value: 'px', help: 'frame width in pixels (a multiple of 16)', commands: generating },
  { field: 'frames', value: 'n', help: 'frames to generate (4k+1, e.g. 49 or 81)', commands: generating },
  { field: 'fps', value: 'n', help: 'frames per second of video.mp4', commands: ['run', 'sweep'] },
  { field: 'device', value: 'auto|cpu|cuda|cuda:N', help: 'where the model runs (auto: CUDA when present, else CPU)', commands: every },
  { field: 'dtype', help: 'model dtype (auto: bf16 on CUDA, float32 on CPU)', commands: every },
  { field: 'cpu_offload', help: 'keep weights on the CPU and move them to the GPU as needed (less GPU memory, slower)', commands: every },
  { field: 'threads', value: 'n', help: "torch threads (0: torch's default)", commands: every },
  { field: 'generator', help: "where the initial noise is drawn: cpu (same video on every machine) or device (the reference's torch.Generator(\"cuda\"))", commands: generating },
  { field: 'compile', help: 'torch.compile the transformer blocks (blocks) or not (none)', commands: ['run', 'calibrate'] },
  { field: 'teacache.rel_l1_thresh', value: 'x', help: 'TeaCache threshold (0 computes every step)', commands: ['run'] },
  { field: 'teacache.coefficients', value: 'file', help: 'coefficients file from teacache calibrate (replaces teacache.coefficients)', commands: ['run', 'sweep', 'plan'] },
]
