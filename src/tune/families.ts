import { TeacacheError } from '../errors.ts'
import type { CacheMethod } from '../methods/method.ts'
import { resolveMethods, splitMethods, type MethodsContext } from '../methods/resolve.ts'
import { parseEntry, type MethodVariant } from '../methods/variant.ts'
import { columnId } from '../sweep/grid.ts'
import { LADDERS } from './ladders.ts'

/**
 * The families `tune` searches: TeaCache's distinct schedules always, and with `--methods` one per
 * listed method over its primary parameter. A family's candidates run mildest first, so the
 * bisection (search.ts) applies to each alike.
 */
export type FamilyName = 'teacache' | CacheMethod

export interface Candidate {
  family: FamilyName
  /** The run folder's column: "t0.12", "fbc0.05". */
  id: string
  /** TeaCache's threshold; null for a method's candidate. */
  threshold: number | null
  method: MethodVariant | null
  /** TeaCache's computed steps as plan predicts them; null for a method (it decides at run time). */
  computed_steps: number | null
}

export interface Family {
  name: FamilyName
  /** The parameter the family varies ("rel_l1_thresh", "threshold", "spatial_attention_block_skip_range"). */
  parameter: string
  candidates: Candidate[]
}

/** TeaCache's family from plan's distinct schedules (mildest first, the all-computing one left out). */
export function teacacheFamily(schedules: ReadonlyArray<{ threshold: number; computed_steps: number }>): Family {
  return {
    name: 'teacache',
    parameter: 'rel_l1_thresh',
    candidates: schedules.map((s) => ({ family: 'teacache', id: columnId(s.threshold), threshold: s.threshold, method: null, computed_steps: s.computed_steps })),
  }
}

/**
 * `--methods fbc,pab` (sweep's syntax): each entry a method whose primary parameter tune varies
 * along its ladder; other parameters may be fixed as sweep takes them (`pab:spatial_attention_timestep_skip_range=0..1000`,
 * `magcache:ratios=FILE`). `teacache` names the family that is always searched. Every variant
 * goes through sweep's own resolution, so what a sweep refuses (an unusable method for this
 * setting, MagCache without ratios) tune refuses alike, exit 2, before Python starts.
 */
export function methodFamilies(text: string, ctx: Omit<MethodsContext, 'source'>): { families: Family[]; warnings: string[] } {
  const families: Family[] = []
  const warnings: string[] = []
  const fail = (problem: string): never => {
    throw new TeacacheError('CONFIG', `--methods: ${problem}`)
  }
  for (const item of splitMethods(text)) {
    const entry = parseEntry(item)
    if (typeof entry === 'string') return fail(entry)
    if (entry.kind === 'teacache') {
      if (entry.threshold !== null) fail(`teacache:${entry.threshold}: tune chooses TeaCache's threshold itself; give teacache without a value (its family is searched anyway)`)
      continue
    }
    const { method, given } = entry
    const ladder = LADDERS[method.name]
    if (!method.primary || !ladder) {
      fail(`${method.name} has no main parameter for tune to vary (expected one of ${Object.keys(LADDERS).join(', ')}); compare it with \`teacache sweep --methods ${method.name}\``)
    }
    const primary = method.primary!
    if (Object.hasOwn(given, primary)) fail(`${item}: tune varies ${method.name}'s ${primary} itself; leave it out`)
    if (families.some((f) => f.name === method.name)) fail(`${method.name} is listed twice`)
    const values = ladder!(ctx.config.steps)
    const resolved = resolveMethods(values.map((v) => ({ method: method.name, ...given, [primary]: v })), { ...ctx, source: '--methods' })
    for (const w of resolved.warnings) if (!warnings.includes(w)) warnings.push(w)
    families.push({ name: method.name, parameter: primary, candidates: resolved.variants.map((variant) => methodCandidate(variant)) })
  }
  return { families, warnings }
}

export const methodCandidate = (variant: MethodVariant): Candidate => ({ family: variant.method, id: variant.id, threshold: null, method: variant, computed_steps: null })

/** The value a candidate sets of its family's parameter. */
export const candidateValue = (family: Family, c: Candidate): number =>
  c.threshold ?? (c.method!.params[family.parameter] as number)
