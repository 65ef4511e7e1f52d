import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import type { LoadedConfig } from '../config/load.ts'
import { TeacacheError } from '../errors.ts'
import { canonicalJson, diffSettings, fingerprint, sweepSettings } from './settings.ts'
import { buildRuns, type Grid } from './grid.ts'
import { writeJsonAtomic } from '../util/fs.ts'

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
  runs: Array<{ id: string; prompt_index: number; seed: number; threshold: number | null; compile?: 'blocks' }>
}

export function buildManifest(config: LoadedConfig, grid: Grid): SweepManifest {
  const settings = sweepSettings(config)
  return {
    format: 'teacache-sweep/1',
    config_path: config.configPath,
    settings,
    fingerprint: fingerprint(settings),
    grid,
    runs: buildRuns(grid).map((r) => ({ id: r.id, prompt_index: r.promptIndex, seed: r.seed, threshold: r.threshold, ...(r.compile === 'blocks' ? { compile: 'blocks' as const } : {}) })),
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
  try {
    const manifest = JSON.parse(text) as SweepManifest
    if (manifest.format !== 'teacache-sweep/1' || !manifest.grid || !Array.isArray(manifest.runs)) throw new Error('not a teacache-sweep/1 manifest')
    return manifest
  } catch (error) {
    throw new TeacacheError('OUTPUT', `${join(dir, MANIFEST)}: not a sweep manifest (${(error as Error).message})`)
  }
}

/** Why an existing manifest does not describe the planned sweep; empty when it does. */
export function manifestConflicts(existing: SweepManifest, planned: SweepManifest): string[] {
  const problems = existing.fingerprint === planned.fingerprint ? [] : diffSettings(existing.settings, planned.settings)
  if (existing.fingerprint !== planned.fingerprint && problems.length === 0) problems.push('settings fingerprint differs')
  for (const key of ['prompts', 'seeds', 'thresholds', 'compile'] as const) {
    if (canonicalJson(existing.grid[key] ?? null) !== canonicalJson(planned.grid[key] ?? null)) {
      problems.push(key === 'prompts' ? 'prompts: the list differs' : `${key}: ${JSON.stringify(existing.grid[key])} -> ${JSON.stringify(planned.grid[key])}`)
    }
  }
  return problems
}

export async function writeManifest(dir: string, manifest: SweepManifest): Promise<void> {
  await fs.mkdir(dir, { recursive: true })
  await writeJsonAtomic(join(dir, MANIFEST), manifest)
}
