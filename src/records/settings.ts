import { canonicalJson } from '../util/json.ts'
import { createHash } from 'node:crypto'

/**
 * What makes two runs "the same run": every resolved config field that can change the video or
 * its timing, and nothing about where it was written or which of several like devices ran it.
 * Fields added to the config later are included automatically.
 */
// coefficientsFile records where teacache.coefficients came from; the numbers themselves count.
const NOT_SETTINGS = new Set(['output', 'config_path', 'configPath', 'name', 'sweep', 'device', 'threads', 'coefficientsFile'])

type Settings = Record<string, unknown>

/**
 * Fields added after runs were first recorded, with the value that reproduces what those runs did:
 * at that value they are left out, so earlier runs keep their fingerprint and are not redone.
 */
const LATER_FIELDS: Settings = { generator: 'cpu', compile: 'none' }

export function runSettings(config: object): Settings {
  const settings: Settings = {}
  for (const [key, value] of Object.entries(config)) {
    if (!NOT_SETTINGS.has(key) && value !== undefined && LATER_FIELDS[key] !== value) settings[key] = value
  }
  const teacache = settings.teacache as Settings | undefined
  // A baseline runs diffusers' own forward: threshold and coefficients cannot change it.
  if (teacache && teacache.enabled === false) settings.teacache = { enabled: false }
  return settings
}

/** The settings all runs of a sweep share: the run settings less what the grid varies. */
export function sweepSettings(config: object): Settings {
  const { prompt: _p, seed: _s, compile: _c, ...rest } = runSettings(config)
  const { enabled: _e, rel_l1_thresh: _t, ...shared } = ((config as Settings).teacache ?? {}) as Settings
  return { ...rest, teacache: shared }
}

export function fingerprint(settings: Settings): string {
  return createHash('sha256').update(canonicalJson(settings)).digest('hex').slice(0, 16)
}

/** "steps: 20 -> 6" lines for the keys whose values differ, nested keys dotted. */
export function diffSettings(before: Settings, after: Settings, prefix = ''): string[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()
  return keys.flatMap((key) => {
    const [a, b] = [before[key], after[key]]
    if (canonicalJson(a) === canonicalJson(b)) return []
    const isObject = (v: unknown): v is Settings => Boolean(v) && typeof v === 'object' && !Array.isArray(v)
    if (isObject(a) && isObject(b)) return diffSettings(a, b, `${prefix}${key}.`)
    const show = (v: unknown) => (v === undefined ? '(unset)' : JSON.stringify(v))
    return [`${prefix}${key}: ${show(a)} -> ${show(b)}`]
  })
}
