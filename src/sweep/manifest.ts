import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import type { LoadedConfig } from '../config/load.ts'
import { TeacacheError } from '../errors.ts'
import { canonicalJson, diffSettings, fingerprint, sweepSettings } from './settings.ts'
import { buildRuns, type Grid } from './grid.ts'
import { firstIssue, manifestSchema } from './records.ts'
import { spaceErrorOr } from '../util/disk.ts'
import { makeDirs, writeJsonAtomic } from '../util/fs.ts'
import { createExclusive } from '../util/lock.ts'

/**
 * sweep.json: what a sweep folder holds, written before its first run. Every shard and worker
 * writes the same content, so concurrent writers into one folder agree; a later sweep with other
 * settings is refused rather than mixed in.
 */
export const MANIFEST = 'sweep.json'
export const REPORT = 'REPORT.md'

export interface SweepManifest {
  format: 'teacache-sweep/1'
  config_path: string
  /** The settings every run shares (see settings.ts), and their fingerprint. */
  settings: Record<string, unknown>
  fingerprint: string
  grid: Grid
  runs: Array<{ id: string; prompt_index: number; seed: number; threshold: number | null; compile?: 'blocks'; method?: string }>
}

export function buildManifest(config: LoadedConfig, grid: Grid): SweepManifest {
  const settings = sweepSettings(config)
  return {
    format: 'teacache-sweep/1',
    config_path: config.configPath,
    settings,
    fingerprint: fingerprint(settings),
    grid,
    runs: buildRuns(grid).map((r) => ({
      id: r.id, prompt_index: r.promptIndex, seed: r.seed, threshold: r.threshold,
      ...(r.compile === 'blocks' ? { compile: 'blocks' as const } : {}),
      ...(r.method ? { method: r.method.id } : {}),
    })),
  }
}

/** The folder's manifest; null when it has none. */
export async function readManifest(dir: string): Promise<SweepManifest | null> {
  let text: string
  try {
    text = await fs.readFile(join(dir, MANIFEST), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw new TeacacheError('OUTPUT', `${join(dir, MANIFEST)}: cannot read (${(error as Error).message})`)
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new TeacacheError('INPUT', `${join(dir, MANIFEST)}: not a sweep manifest (not JSON: ${(error as Error).message})`)
  }
  const parsed = manifestSchema.safeParse(value)
  if (!parsed.success) throw new TeacacheError('INPUT', `${join(dir, MANIFEST)}: not a sweep manifest teacache can use: ${firstIssue(parsed.error)}`)
  return parsed.data as SweepManifest
}

/** Why an existing manifest does not describe the planned sweep; empty when it does. */
export function manifestConflicts(existing: SweepManifest, planned: SweepManifest): string[] {
  const problems = existing.fingerprint === planned.fingerprint ? [] : diffSettings(existing.settings, planned.settings)
  if (existing.fingerprint !== planned.fingerprint && problems.length === 0) problems.push('settings fingerprint differs')
  for (const key of ['prompts', 'seeds', 'thresholds', 'compile', 'methods'] as const) {
    if (canonicalJson(existing.grid[key] ?? null) !== canonicalJson(planned.grid[key] ?? null)) {
      problems.push(key === 'prompts' ? 'prompts: the list differs' : key === 'methods' ? methodsChange(existing.grid, planned.grid) : `${key}: ${JSON.stringify(existing.grid[key])} -> ${JSON.stringify(planned.grid[key])}`)
    }
  }
  return problems
}

/** Variants by id; the same ids with other parameters (MagCache's ratios, say) are said to differ. */
function methodsChange(existing: Grid, planned: Grid): string {
  const ids = (grid: Grid) => JSON.stringify((grid.methods ?? []).map((v) => v.id))
  return `methods: ${ids(existing)} -> ${ids(planned)}${ids(existing) === ids(planned) ? ' (their parameters differ)' : ''}`
}

/**
 * Publish the manifest. Without `replace` it is created only if none exists (complete, in one
 * step), so of two sweeps starting into one folder at once the second finds the first's
 * manifest: the same sweep goes on, another is refused. `replace` (--force over a sweep of other
 * settings) overwrites it.
 */
export async function writeManifest(dir: string, manifest: SweepManifest, options: { replace?: boolean } = {}): Promise<void> {
  const path = join(dir, MANIFEST)
  const json = `${JSON.stringify(manifest, null, 2)}\n`
  try {
    await makeDirs(dir)
    if (options.replace) return await writeJsonAtomic(path, manifest)
    if (await createExclusive(path, json)) return
  } catch (error) {
    throw spaceErrorOr(error, dir, () => error)
  }
  const existing = await readManifest(dir)
  const conflicts = existing ? manifestConflicts(existing, manifest) : ['it vanished while being read']
  if (conflicts.length > 0) {
    throw new TeacacheError('OUTPUT', `--output: ${dir} was claimed by another sweep meanwhile (${conflicts.join('; ')}); nothing of it was changed: choose another folder`)
  }
}
