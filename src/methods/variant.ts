import { createHash } from 'node:crypto'
import { canonicalJson } from '../util/json.ts'
import { closest } from '../util/suggest.ts'
import { MAX_CACHE_THRESHOLD, type CacheMethod, type MethodDefinition, type Params } from './method.ts'
import { definitionOf, METHOD_NAMES, METHODS, methodNamed, REFUSED } from './registry.ts'

/**
 * One entry of a method list, as typed (`teacache:0.1`, `fbc:0.05`, `pab`,
 * `pab:spatial_attention_block_skip_range=3`, `magcache:0.1:ratios=coefficients/tiny.yaml`) or as
 * a config object (`{method: pab, spatial_attention_block_skip_range: 3}`), and the variant it
 * resolves to: every parameter filled in, named by a run id that follows from them alone, so
 * every process of a sweep names it alike.
 */
export interface MethodVariant {
  /** "fbc0.05", "pab", "pab3", "fastercache-1a2b3c4d": a run folder name. */
  id: string
  method: CacheMethod
  /** Every parameter, defaults included (MagCache's ratios as numbers). */
  params: Params
}

export type Entry = { kind: 'teacache'; threshold: number | null } | { kind: 'cache'; method: MethodDefinition; given: Params }

/** The entry, or what is wrong with it (the caller prefixes where it was written). */
export function parseEntry(raw: unknown): Entry | string {
  if (typeof raw === 'string') return parseText(raw.trim())
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    const { method, ...given } = raw as Record<string, unknown>
    if (typeof method !== 'string') return `expected "method: <name>" (one of ${METHOD_NAMES.join(', ')})`
    if (method === 'teacache') {
      const keys = Object.keys(given)
      if (keys.some((k) => k !== 'threshold')) return 'teacache takes only threshold (its other settings are the config\'s teacache: section)'
      return teacacheEntry(given.threshold ?? null)
    }
    return cacheEntry(method, given)
  }
  return `expected a method such as "fbc:0.05" or {method: fbc, threshold: 0.05}`
}

function parseText(text: string): Entry | string {
  const [name, ...parts] = text.split(':')
  if (name === 'teacache') {
    if (parts.length > 1 || (parts.length === 1 && parts[0].includes('='))) return 'expected teacache or teacache:<threshold>'
    return teacacheEntry(parts.length ? numberOf(parts[0]) : null)
  }
  const method = methodNamed(name)
  // A Map, not an object: keys such as constructor or __proto__ are typed text like any other.
  const given = new Map<string, unknown>()
  for (const part of parts) {
    const eq = part.indexOf('=')
    if (eq < 0) {
      if (!method) break
      if (!method.primary) return `${name} takes no value of its own; give key=value (${keysOf(method)})`
      if (given.has(method.primary)) return `${name}: ${method.primary} is given twice`
      given.set(method.primary, numberOf(part))
      continue
    }
    const key = part.slice(0, eq)
    if (method && !Object.hasOwn(method.schema.shape, key)) return unknownParameter(method, key)
    if (given.has(key)) return `${name}: ${key} is given twice`
    given.set(key, valueOf(key, part.slice(eq + 1)))
  }
  // fromEntries defines own properties: "__proto__" stays a key the schema refuses, never a prototype.
  return cacheEntry(name, Object.fromEntries(given))
}

function teacacheEntry(value: unknown): Entry | string {
  if (value === null) return { kind: 'teacache', threshold: null }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_CACHE_THRESHOLD) {
    return `teacache: expected a threshold from 0 to ${MAX_CACHE_THRESHOLD}`
  }
  return { kind: 'teacache', threshold: value }
}

function cacheEntry(name: string, given: Params): Entry | string {
  if (Object.hasOwn(REFUSED, name)) return `${name}: refused: ${REFUSED[name]}`
  const method = methodNamed(name)
  if (!method) {
    const near = closest(name, METHOD_NAMES)
    return `unknown method "${name}"${near ? ` (did you mean ${near}?)` : ''}; expected one of ${METHOD_NAMES.join(', ')}`
  }
  const parsed = method.schema.safeParse(given)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    if (issue.code === 'unrecognized_keys') return unknownParameter(method, issue.keys.join(', '))
    const path = issue.path.filter((p) => typeof p === 'string').join('.')
    return `${name}: ${path ? `${path}: ` : ''}${issue.message}`
  }
  return { kind: 'cache', method, given }
}

const keysOf = (method: MethodDefinition) => Object.keys(method.schema.shape).join(', ')

function unknownParameter(method: MethodDefinition, key: string): string {
  const near = closest(key, Object.keys(method.schema.shape))
  return `${method.name}: unknown parameter ${key}${near ? ` (did you mean ${near}?)` : ''}; expected ${keysOf(method)}`
}

/** A number as typed; anything else stays text so the schema names what it expected. */
function numberOf(text: string): number | string {
  const n = Number(text)
  return text.trim() !== '' && Number.isFinite(n) ? n : text
}

/** key=value: a number, `lo..hi` (a timestep range), `a;b;c` (numbers), null, or text (a path). */
function valueOf(key: string, text: string): unknown {
  if (key === LIST_KEY) return text.includes(';') ? text.split(';').map(numberOf) : text
  if (text === 'null' || text === 'none') return null
  const range = /^(.+)\.\.(.+)$/.exec(text)
  if (range) return [numberOf(range[1]), numberOf(range[2])]
  if (text.includes(';')) return text.split(';').map(numberOf)
  return numberOf(text)
}

/** The method's parameters with every default filled in. */
export function paramsOf(method: MethodDefinition, given: Params): Params {
  return method.schema.parse(given) as Params
}

/** MagCache's ratios: the one list parameter (`a;b;c` in text). */
const LIST_KEY = 'ratios'

/** The primary value as a run id shows it, and a short hash of the other non-default parameters. */
function idParts(name: CacheMethod, params: Params): { shown: string; hash: string | null } {
  const method = definitionOf(name)
  const defaults = paramsOf(method, {})
  const differs = (key: string) => canonicalJson(params[key]) !== canonicalJson(defaults[key])
  const primary = method.primary
  const shown = primary !== null && (method.primaryInId === 'always' || differs(primary)) ? String(params[primary]) : ''
  // MagCache's ratios are measurements of the model, not a choice: a sweep holds one set.
  const others = Object.keys(method.schema.shape).filter((k) => k !== primary && k !== LIST_KEY && differs(k))
  if (others.length === 0) return { shown, hash: null }
  return { shown, hash: createHash('sha256').update(canonicalJson(Object.fromEntries(others.map((k) => [k, params[k]])))).digest('hex').slice(0, 8) }
}

/** The run id: "fbc0.05", "pab", "pab3", "fastercache-1a2b3c4d". */
export function variantId(name: CacheMethod, params: Params): string {
  const { shown, hash } = idParts(name, params)
  return `${name}${shown}${hash ? `-${hash}` : ''}`
}

export function makeVariant(name: CacheMethod, params: Params): MethodVariant {
  return { id: variantId(name, params), method: name, params }
}

/** The variant as `--methods` text with every parameter spelled out (what --devices workers are given). */
export function variantText(variant: MethodVariant): string {
  const value = (key: string, v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? v.join(key === LIST_KEY ? ';' : '..') : String(v))
  const keys = Object.keys(definitionOf(variant.method).schema.shape).filter((k) => variant.params[k] !== undefined)
  return [variant.method, ...keys.map((k) => `${k}=${value(k, variant.params[k])}`)].join(':')
}

/** "FirstBlockCache (0.05)", "PAB", "PAB (3)", "FasterCache [fastercache-1a2b3c4d]": a report column. */
export function variantTitle(variant: Pick<MethodVariant, 'id' | 'method' | 'params'>): string {
  const { shown, hash } = idParts(variant.method, variant.params)
  return `${definitionOf(variant.method).title}${shown ? ` (${shown})` : ''}${hash ? ` [${variant.id}]` : ''}`
}

/** In the registry's order, then by primary value, then by run id: the same set typed in another order is the same sweep. */
export function compareVariants(a: MethodVariant, b: MethodVariant): number {
  const rank = (v: MethodVariant) => METHODS.findIndex((m) => m.name === v.method)
  const primary = (v: MethodVariant) => {
    const key = METHODS[rank(v)]?.primary
    return key === null || key === undefined ? 0 : (v.params[key] as number)
  }
  return rank(a) - rank(b) || primary(a) - primary(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}
