import { TeacacheError } from '../errors.ts'
import type { MethodSetting, Params } from './method.ts'
import { magcacheRatios, type RatiosContext } from './ratios.ts'
import { makeVariant, paramsOf, parseEntry, type MethodVariant } from './variant.ts'

/**
 * A method list (`--methods` or the config's sweep.methods) resolved before Python starts:
 * TeaCache entries become thresholds (its policy stays in TypeScript), the others variants with
 * every parameter filled in. Anything that cannot work is refused here, saying why.
 */
export interface ResolvedMethods {
  thresholds: number[]
  variants: MethodVariant[]
  /** A MagCache ratios file measured on another setting: runs, but the user should know. */
  warnings: string[]
}

export interface MethodsContext extends Omit<RatiosContext, 'where'> {
  /** "--methods" (entries named by their text) or "sweep.methods" (named by index). */
  source: '--methods' | 'sweep.methods'
  config: RatiosContext['config'] & MethodSetting & { teacache: { rel_l1_thresh: number } }
}

/** "fbc:0.05,pab" -> entries; commas inside none of them (ranges are lo..hi, lists a;b;c). */
export function splitMethods(text: string): string[] {
  const items = text.split(',').map((s) => s.trim())
  if (items.some((s) => s === '')) throw new TeacacheError('CONFIG', `--methods: expected a comma-separated list without empty items, got "${text}"`)
  return items
}

export function resolveMethods(entries: readonly unknown[], ctx: MethodsContext): ResolvedMethods {
  const thresholds: number[] = []
  const variants: MethodVariant[] = []
  const warnings: string[] = []
  const named = new Map<string, string>()
  entries.forEach((raw, i) => {
    // Problems name the method themselves; a config entry is named by its index.
    const where = ctx.source === '--methods' ? '--methods' : `sweep.methods[${i}]`
    const fail = (problem: string): never => {
      throw new TeacacheError('CONFIG', `${where}: ${problem}`)
    }
    const entry = parseEntry(raw)
    if (typeof entry === 'string') return fail(entry)
    if (entry.kind === 'teacache') {
      const threshold = entry.threshold ?? ctx.config.teacache.rel_l1_thresh
      if (thresholds.includes(threshold)) fail(`teacache ${threshold} is listed twice; every run of a sweep must differ`)
      thresholds.push(threshold)
      return
    }
    const given: Params = { ...entry.given }
    if (entry.method.name === 'magcache') {
      const found = magcacheRatios(given.ratios, { ...ctx, where })
      given.ratios = found.ratios
      if (found.warning && !warnings.includes(found.warning)) warnings.push(found.warning)
    }
    const params = paramsOf(entry.method, given)
    const unusable = entry.method.unusable?.(params, ctx.config)
    if (unusable) fail(`${entry.method.name}: refused: ${unusable}`)
    const variant = makeVariant(entry.method.name, params)
    const twin = named.get(variant.id)
    if (twin !== undefined) fail(`the same variant as ${twin} (run id ${variant.id}); every run of a sweep must differ`)
    named.set(variant.id, ctx.source === '--methods' ? String(raw) : `sweep.methods[${i}]`)
    variants.push(variant)
  })
  return { thresholds, variants, warnings }
}
