import { basename, dirname, extname, isAbsolute, resolve } from 'node:path'
import { parseDocument } from 'yaml'
import type { z } from 'zod'
import { TeacacheError } from '../errors.ts'
import { readCoefficientsFile, type CoefficientsOrigin } from '../policy/coefficients-file.ts'
import { readProblem, readRegularFile } from '../util/fs.ts'
import { expandHome } from '../util/paths.ts'
import { closest } from '../util/suggest.ts'
import { yamlValue } from '../util/yaml.ts'
import { CONFIG_KEYS, SWEEP_KEYS, TEACACHE_KEYS, configSchema, type Config } from './schema.ts'

/**
 * Command-line values that replace the config's: the one way flags reach a config (the flags are
 * OVERRIDABLE in schema.ts, parsed in src/cli/overrides.ts). Paths in them are relative to the cwd.
 */
export type Overrides = Partial<
  Pick<Config, 'model' | 'prompt' | 'negative_prompt' | 'image' | 'seed' | 'steps' | 'guidance_scale' | 'height' | 'width' | 'frames' | 'fps' | 'device' | 'threads'> &
    // The enum fields as text: the schema checks them with the rest of the config.
    Record<'dtype' | 'cpu_offload' | 'generator' | 'compile', string> & {
      rel_l1_thresh: number
      /** A coefficients file (--coefficients), replacing the config's teacache.coefficients. */
      coefficients: string
    }
>

export interface LoadedConfig extends Omit<Config, 'teacache'> {
  /** Absolute path of the config file, and its name without extension (names run folders). */
  configPath: string
  name: string
  /** Coefficients named by file are read at load time: the numbers here, the file's record in coefficientsFile. */
  teacache: Omit<Config['teacache'], 'coefficients'> & { coefficients?: number[] }
  coefficientsFile?: CoefficientsOrigin
  /** One of diffusers' caches instead of TeaCache (teacache.enabled is then false): set by a sweep for its method runs. */
  method?: { name: string; params: Record<string, unknown> }
}

/** `ignore` drops a coefficients file name unread: for calibrate, which makes that file and uses no coefficients. */
export interface ParseOptions {
  coefficientsFile?: 'read' | 'ignore'
}

export async function loadConfig(file: string, overrides: Overrides = {}, cwd = process.cwd(), options: ParseOptions = {}): Promise<LoadedConfig> {
  const configPath = resolve(cwd, file)
  const text = await readRegularFile(configPath).catch((error: unknown) => {
    throw new TeacacheError('CONFIG', `${file}: cannot read the config (${readProblem(error)})`)
  })
  return parseConfig(text, configPath, overrides, cwd, options)
}

export function parseConfig(text: string, configPath: string, overrides: Overrides = {}, cwd = process.cwd(), options: ParseOptions = {}): LoadedConfig {
  const raw = parseYaml(text, configPath)
  const configDir = dirname(configPath)
  // Paths written in the config are relative to the config file; paths on the command line to the cwd.
  // `~/` is the home folder, as the shell (and `model:`) would read it, never a folder named "~".
  for (const key of ['image', 'output'] as const) {
    if (typeof raw[key] === 'string') raw[key] = resolve(configDir, expandHome(raw[key] as string))
  }
  if (typeof raw.model === 'string') raw.model = resolveModelPath(raw.model, configDir)
  const sweep = raw.sweep as Record<string, unknown> | undefined
  if (sweep && typeof sweep === 'object' && typeof sweep.prompts === 'string') raw.sweep = { ...sweep, prompts: resolve(configDir, expandHome(sweep.prompts)) }
  const teacacheRaw = raw.teacache
  const named = teacacheRaw && typeof teacacheRaw === 'object' ? (teacacheRaw as Record<string, unknown>).coefficients : undefined
  if (typeof named === 'string' && named !== '') {
    raw.teacache = { ...(teacacheRaw as object), coefficients: resolve(configDir, expandHome(named)) }
  }
  const { rel_l1_thresh, coefficients, ...top } = overrides
  for (const [key, value] of Object.entries(top)) {
    if (value === undefined) continue
    raw[key] = key === 'image' ? resolve(cwd, value as string) : key === 'model' ? resolveModelPath(value as string, cwd) : value
  }
  const flagged = { ...(rel_l1_thresh !== undefined && { rel_l1_thresh }), ...(coefficients !== undefined && { coefficients: resolve(cwd, coefficients) }) }
  if (Object.keys(flagged).length > 0) {
    const teacache = raw.teacache
    raw.teacache = teacache && typeof teacache === 'object' && !Array.isArray(teacache) ? { ...teacache, ...flagged } : flagged
  }
  const parsed = configSchema.safeParse(raw)
  if (!parsed.success) throw new TeacacheError('CONFIG', formatIssues(configPath, parsed.error.issues))
  const { teacache, ...rest } = parsed.data
  const base = { ...rest, output: resolve(cwd, parsed.data.output), configPath, name: basename(configPath, extname(configPath)) }
  if (typeof teacache.coefficients !== 'string') return { ...base, teacache: { ...teacache, coefficients: teacache.coefficients } }
  if (options.coefficientsFile === 'ignore') return { ...base, teacache: { ...teacache, coefficients: undefined } }
  const field = coefficients !== undefined ? '--coefficients' : 'teacache.coefficients'
  const coefficientsFile = readCoefficientsFile(teacache.coefficients, field)
  return { ...base, teacache: { ...teacache, coefficients: coefficientsFile.coefficients }, coefficientsFile }
}

/** Model values that look like paths become absolute; hub ids and built-in names stay as they are. */
function resolveModelPath(model: string, base: string): string {
  if (model === '~' || model.startsWith('~/')) return expandHome(model)
  if (isAbsolute(model) || model.startsWith('./') || model.startsWith('../') || model === '.') return resolve(base, model)
  return model
}

function parseYaml(text: string, configPath: string): Record<string, unknown> {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true })
  if (doc.errors.length > 0) {
    const error = doc.errors[0]
    const where = error.linePos ? `:${error.linePos[0].line}:${error.linePos[0].col}` : ''
    const firstLine = error.message.split('\n')[0]
    throw new TeacacheError('CONFIG', `${configPath}${where}: YAML syntax error: ${firstLine}`)
  }
  const value = yamlValue(doc, configPath)
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TeacacheError('CONFIG', `${configPath}: expected a mapping of settings (model, prompt, ...) at the top level`)
  }
  return value as Record<string, unknown>
}

export function formatIssues(configPath: string, issues: readonly z.core.$ZodIssue[]): string {
  const lines = unwrapUnions(issues).flatMap((issue) => {
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[')
    if (issue.code === 'unrecognized_keys') {
      const known = issue.path.length === 0 ? CONFIG_KEYS : ({ teacache: TEACACHE_KEYS, sweep: SWEEP_KEYS } as Record<string, string[]>)[String(issue.path[0])] ?? []
      return issue.keys.map((key) => {
        const guess = closest(key, known)
        const full = path ? `${path}.${key}` : key
        return `${full}: unknown key${guess ? ` (did you mean "${guess}"?)` : ''}; expected one of ${known.join(', ')}`
      })
    }
    return [`${path || '(config)'}: ${issue.message}`]
  })
  return `${configPath}: invalid config\n  ${lines.join('\n  ')}`
}

/**
 * A union (a list or a file path) reports "invalid_union" with every branch's issues; when only
 * one branch was of the right type, its issues say what is wrong far better.
 */
function unwrapUnions(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== 'invalid_union') return [issue]
    const relevant = issue.errors.filter((branch) => !branch.every((e) => e.code === 'invalid_type' && e.path.length === 0))
    if (relevant.length !== 1) return [issue]
    return unwrapUnions(relevant[0].map((e) => ({ ...e, path: [...issue.path, ...e.path] }) as z.core.$ZodIssue))
  })
}
