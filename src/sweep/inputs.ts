import { dirname, resolve } from 'node:path'
import type { LoadedConfig } from '../config/load.ts'
import { MAX_PROMPT_CHARS, MAX_THRESHOLD } from '../config/schema.ts'
import { TeacacheError, warnOnStderr } from '../errors.ts'
import { resolveMethods, splitMethods, type ResolvedMethods } from '../methods/resolve.ts'
import { readProblem, readRegularFile } from '../util/fs.ts'
import { normalizeGrid, type CompileMode, type Grid } from './grid.ts'

/** The published TeaCache4CogVideoX1.5 table's thresholds: the default when neither flag nor config names any. */
export const DEFAULT_THRESHOLDS = [0.1, 0.2, 0.3]

export interface GridFlags {
  /** "0.1,0.2,0.3" */
  thresholds?: string
  /** A file with one prompt per line, relative to the cwd. */
  prompts?: string
  /** "42,43" */
  seeds?: string
  /** "none,blocks" */
  compile?: string
  /** "teacache:0.1,fbc:0.05,pab": thresholds and diffusers' caches; paths in it are relative to the cwd. */
  methods?: string
}

/**
 * Flags win over the config's `sweep:` section, which wins over the config's own prompt and seed.
 * TeaCache's thresholds are the union of the thresholds and the method list's teacache entries;
 * the published thresholds are the default only when neither names any variant.
 */
export async function resolveGrid(config: LoadedConfig, flags: GridFlags, cwd = process.cwd(), warn: (message: string) => void = warnOnStderr): Promise<Grid> {
  const methods = methodsOf(config, flags, cwd)
  for (const warning of methods?.warnings ?? []) warn(warning)
  const listed = flags.thresholds !== undefined ? parseList('--thresholds', flags.thresholds, parseThreshold) : (config.sweep?.thresholds ?? (methods ? [] : DEFAULT_THRESHOLDS))
  const seeds = flags.seeds !== undefined ? parseList('--seeds', flags.seeds, parseSeed) : (config.sweep?.seeds ?? [config.seed])
  let prompts: string[]
  if (flags.prompts !== undefined) prompts = await readPromptsFile(resolve(cwd, flags.prompts), '--prompts')
  else if (typeof config.sweep?.prompts === 'string') prompts = await readPromptsFile(config.sweep.prompts, `${config.configPath}: sweep.prompts`)
  else prompts = config.sweep?.prompts ?? [config.prompt]
  const compile = flags.compile !== undefined ? parseList('--compile', flags.compile, parseCompile).map((c) => c.mode) : (config.sweep?.compile ?? [config.compile])
  unique(flags.compile !== undefined ? '--compile' : 'sweep.compile', compile, byValue)
  unique(flags.thresholds !== undefined ? '--thresholds' : 'sweep.thresholds', listed, byValue)
  unique(flags.seeds !== undefined ? '--seeds' : 'sweep.seeds', seeds, byValue)
  unique(flags.prompts !== undefined ? '--prompts' : 'sweep.prompts', prompts, byPosition('prompt'))
  // A threshold given both ways is one variant (--devices workers are handed both lists).
  const thresholds = [...new Set([...listed, ...(methods?.thresholds ?? [])])]
  const variants = methods?.variants ?? []
  if (variants.length > 0 && !compile.includes('none')) {
    throw new TeacacheError('CONFIG', `${flags.methods !== undefined ? '--methods' : 'sweep.methods'}: diffusers' caches run on eager blocks and are compared with the eager baseline, but the grid compiles every run (compile: blocks); add none (--compile none,blocks) or drop ${variants.map((v) => v.id).join(', ')}`)
  }
  // Sorted so the same set typed in another order is the same sweep (prompts keep their order: it
  // names p0, p1, ...); lists a grid does not use are left out, as older sweeps wrote them.
  return normalizeGrid({ prompts, seeds, thresholds, compile, methods: variants })
}

function methodsOf(config: LoadedConfig, flags: GridFlags, cwd: string): ResolvedMethods | null {
  const fromFlag = flags.methods !== undefined
  const entries = fromFlag ? splitMethods(flags.methods!) : config.sweep?.methods
  if (!entries) return null
  return resolveMethods(entries, { source: fromFlag ? '--methods' : 'sweep.methods', baseDir: fromFlag ? cwd : dirname(config.configPath), config })
}

function parseList<T>(flag: string, text: string, parse: (item: string) => T | string): T[] {
  const items = text.split(',').map((s) => s.trim())
  if (items.some((s) => s === '')) throw new TeacacheError('CONFIG', `${flag}: expected a comma-separated list without empty items, got "${text}"`)
  return items.map((item) => {
    const value = parse(item)
    if (typeof value === 'string') throw new TeacacheError('CONFIG', `${flag}: ${value}, got "${item}"`)
    return value
  })
}

export function parseThreshold(item: string): number | string {
  const n = Number(item)
  if (!Number.isFinite(n) || n < 0) return 'expected thresholds >= 0 (0 computes every step)'
  if (n > MAX_THRESHOLD) return `expected thresholds of at most ${MAX_THRESHOLD}`
  return n
}

export function parseCompile(item: string): { mode: CompileMode } | string {
  return item === 'none' || item === 'blocks' ? { mode: item } : 'expected a comma-separated list of none and blocks'
}

export function parseSeed(item: string): number | string {
  const n = Number(item)
  return Number.isSafeInteger(n) && n >= 0 && n <= 2 ** 32 - 1 ? n : 'expected integer seeds from 0 to 4294967295'
}

/** How a repeat is told: a list of values names the value; prompts (long text) name their positions. */
type Repeat = (value: string | number, index: number, first: number) => string
const byValue: Repeat = (value) => `${value} is listed twice`
const byPosition = (noun: string): Repeat => (_, index, first) => `${noun} ${index} repeats ${noun} ${first}`

function unique(where: string, values: readonly (string | number)[], repeat: Repeat): void {
  const seen = new Map<string | number, number>()
  for (const [i, value] of values.entries()) {
    const first = seen.get(value)
    if (first !== undefined) throw new TeacacheError('CONFIG', `${where}: ${repeat(value, i, first)}; every run of a sweep must differ`)
    seen.set(value, i)
  }
}

/** One prompt per line; blank lines and lines starting with # are skipped. */
export async function readPromptsFile(path: string, label: string): Promise<string[]> {
  const text = await readRegularFile(path).catch((error: unknown) => {
    throw new TeacacheError('INPUT', `${label}: cannot read ${path} (${readProblem(error)})`)
  })
  return parsePrompts(text, `${label}: ${path}`)
}

export function parsePrompts(text: string, where: string): string[] {
  const prompts: string[] = []
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    if (line.length > MAX_PROMPT_CHARS) throw new TeacacheError('INPUT', `${where}:${i + 1}: expected a prompt of at most ${MAX_PROMPT_CHARS} characters`)
    prompts.push(line)
  }
  if (prompts.length === 0) throw new TeacacheError('INPUT', `${where}: expected one prompt per line, found none`)
  return prompts
}
