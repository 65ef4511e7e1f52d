import { dirname, join } from 'node:path'
import { Document, parseDocument } from 'yaml'
import { z } from 'zod'
import { TeacacheError } from '../errors.ts'
import { readProblem, readRegularFileSync } from '../util/fs.ts'
import { shownPath } from '../util/paths.ts'
import { yamlValue } from '../util/yaml.ts'
import { chooseCoefficients, type ArchitectureFacts, type ChosenCoefficients } from './presets.ts'

/**
 * The file `teacache calibrate` writes and `teacache.coefficients: <file>` reads: the fitted
 * polynomial plus what it was fitted on, so a run on another setting can say so.
 */
export const COEFFICIENTS_FORMAT = 'teacache-coefficients/1'

const fittedOnSchema = z.object({
  model: z.string(),
  transformer_class: z.string(),
  version: z.enum(['1.5', '1.0']),
  task: z.enum(['t2v', 'i2v']),
  num_layers: z.number().int(),
  num_attention_heads: z.number().int(),
  height: z.number().int(),
  width: z.number().int(),
  frames: z.number().int(),
  steps: z.number().int(),
  guidance_scale: z.number(),
  use_dynamic_cfg: z.boolean(),
  dtype: z.string(),
  prompts: z.number().int(),
  seed: z.number().int(),
})

const fileSchema = z.object({
  format: z.literal(COEFFICIENTS_FORMAT, { error: `expected "${COEFFICIENTS_FORMAT}" (a file written by teacache calibrate)` }),
  coefficients: z.array(z.number({ error: 'expected a number' }).finite()).length(5, 'expected 5 numbers (highest power first)'),
  command: z.string(),
  created_at: z.string(),
  fitted_on: fittedOnSchema,
  fit: z.object({
    degree: z.number().int(), pairs: z.number().int(), r2: z.number(), rmse: z.number(), x_min: z.number(), x_max: z.number(),
    /** The teacache version that fitted it. */
    teacache: z.string(),
  }),
  /** MagCache's per-step residual magnitude ratios, measured in the same generations (absent in older files). */
  magcache: z
    .object({ ratios: z.array(z.number({ error: 'expected a number' }).finite().positive('expected positive ratios')).min(2, 'expected at least 2 ratios') })
    .optional(),
})

export type FittedOn = z.infer<typeof fittedOnSchema>
export type CoefficientsFile = z.infer<typeof fileSchema>
/** A coefficients file as a loaded config carries it: where it came from and what it was fitted on. */
export type CoefficientsOrigin = CoefficientsFile & { path: string }

export function formatCoefficientsFile(file: CoefficientsFile): string {
  const doc = new Document(file)
  const list = doc.get('coefficients', true) as { flow?: boolean }
  list.flow = true
  doc.commentBefore =
    ' TeaCache rescale polynomial (degree 4, highest power first), fitted by teacache calibrate.\n' +
    ` Made with: ${file.command}\n` +
    ' Use it with `teacache.coefficients: <this file>` in a config or --coefficients <this file>.' +
    (file.magcache ? '\n magcache.ratios: MagCache\'s residual magnitude ratios per step, from the same generations (sweep --methods magcache).' : '')
  return doc.toString({ lineWidth: 0 })
}

export function parseCoefficientsFile(text: string, path: string): CoefficientsFile {
  const doc = parseDocument(text, { uniqueKeys: true })
  if (doc.errors.length > 0) throw new TeacacheError('INPUT', `${path}: YAML syntax error: ${doc.errors[0].message.split('\n')[0]}`)
  const parsed = fileSchema.safeParse(yamlValue(doc, path, 'INPUT'))
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') || '(file)'}: ${i.message}`)
    throw new TeacacheError('INPUT', `${path}: not a usable coefficients file\n  ${lines.join('\n  ')}`)
  }
  return parsed.data
}

/** Read a coefficients file named by `field` (a config key or a flag) for the error message. */
export function readCoefficientsFile(path: string, field: string): CoefficientsOrigin {
  let text: string
  try {
    text = readRegularFileSync(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new TeacacheError('CONFIG', `${field}: ${path} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${readProblem(error)})`}; expected a file written by teacache calibrate`)
  }
  try {
    return { ...parseCoefficientsFile(text, path), path }
  } catch (error) {
    throw new TeacacheError('CONFIG', `${field}: ${(error as Error).message}`)
  }
}

const COMPARED = ['model', 'height', 'width', 'frames', 'steps', 'guidance_scale', 'use_dynamic_cfg'] as const
/** The settings a run is made with, as far as the coefficients care: those compared with what the file was fitted on. */
export type RunSetting = Pick<FittedOn, (typeof COMPARED)[number]>
const ARCHITECTURE = ['transformer_class', 'version', 'task', 'num_layers', 'num_attention_heads'] as const

/** `name: there -> here` for every setting that differs from the one the file was fitted on. */
export function settingDifferences(fitted: FittedOn, setting: RunSetting, facts?: ArchitectureFacts): string[] {
  const differences = COMPARED.filter((key) => fitted[key] !== setting[key]).map((key) => `${key} ${fitted[key]} -> ${setting[key]}`)
  if (facts) for (const key of ARCHITECTURE) if (fitted[key] !== facts[key]) differences.push(`${key} ${fitted[key]} -> ${facts[key]}`)
  return differences
}

export function coefficientsWarning(origin: CoefficientsOrigin, setting: RunSetting, facts?: ArchitectureFacts): string | null {
  const differences = settingDifferences(origin.fitted_on, setting, facts)
  if (differences.length === 0) return null
  return (
    `teacache.coefficients: ${shownPath(origin.path)} was fitted on another setting (${differences.join(', ')}); ` +
    'the schedule may skip too much or too little. Fit coefficients for this setting with teacache calibrate'
  )
}

/** The coefficients a run uses (config or file, else the preset), and a warning when a file does not fit it. */
export function coefficientsForRun(
  config: RunSetting & { teacache: { rel_l1_thresh: number; coefficients?: readonly number[] }; coefficientsFile?: CoefficientsOrigin },
  facts: ArchitectureFacts,
): ChosenCoefficients & { warning: string | null } {
  const origin = config.coefficientsFile
  const chosen = chooseCoefficients(config.teacache.coefficients, facts, origin ? `file:${origin.path}` : 'config')
  // At threshold 0 every step is computed whatever the polynomial says: nothing to warn about.
  const warning = origin && config.teacache.rel_l1_thresh > 0 ? coefficientsWarning(origin, config, facts) : null
  return { ...chosen, warning }
}

/** Where calibrate writes without --output: coefficients/<config name>.yaml beside the config. */
export const defaultCalibrateOutput = (configPath: string, name: string) => join(dirname(configPath), 'coefficients', `${name}.yaml`)
