import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import type { LoadedConfig } from '../config/load.ts'
import { TeacacheError } from '../errors.ts'
import { diffSettings, fingerprint, sweepSettings } from '../records/settings.ts'
import { gridAdditions, gridConflicts, growGrid, sameGrid, type GridAdditions } from './growth.ts'
import { buildRuns, entryId, type Grid, type GridKey } from './grid.ts'
import { firstIssue, manifestSchema } from './records.ts'
import { spaceErrorOr } from '../util/disk.ts'
import { makeDirs, writeJsonAtomic } from '../util/fs.ts'
import { createExclusive } from '../util/lock.ts'

/**
 * sweep.json: what a sweep folder holds, written before its first run. Every shard and worker
 * writes the same content, so concurrent writers into one folder agree; a later sweep with other
 * settings is refused rather than mixed in, and one that only adds to the grid grows it.
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
  /** How the grid grew after the sweep began, oldest first (absent: it never did). */
  history?: GridGrowth[]
}

/** One growth of a sweep's grid: when, which values each list gained, and how many runs that added. */
export interface GridGrowth {
  date: string
  added: GridAdditions
  runs: number
}

export function buildManifest(config: LoadedConfig, grid: Grid): SweepManifest {
  const settings = sweepSettings(config)
  return { format: 'teacache-sweep/1', config_path: config.configPath, settings, fingerprint: fingerprint(settings), grid, runs: manifestRuns(grid) }
}

function manifestRuns(grid: Grid): SweepManifest['runs'] {
  return buildRuns(grid).map((r) => ({
    id: r.id, prompt_index: r.promptIndex, seed: r.seed, threshold: r.threshold,
    ...(r.compile === 'blocks' ? { compile: 'blocks' as const } : {}),
    ...(r.method ? { method: r.method.id } : {}),
  }))
}

/** Two manifests of one sweep: the same shared settings and the same grid (its history aside). */
export const sameSweep = (a: SweepManifest, b: SweepManifest) => a.fingerprint === b.fingerprint && sameGrid(a.grid, b.grid)

/**
 * The sweep a folder runs when a command without conflicts (see manifestConflicts) meets it: the
 * folder's own manifest when the command adds nothing, else the grown one, its history extended.
 */
export function growManifest(existing: SweepManifest, planned: SweepManifest, date: Date): SweepManifest {
  const grid = growGrid(existing.grid, planned.grid)
  if (sameGrid(grid, existing.grid)) return existing
  const before = new Set(existing.runs.map((r) => r.id))
  const runs = manifestRuns(grid)
  // History names a method variant by its run id, as sweep.json's schema reads it back (the grid holds its parameters).
  const added = Object.fromEntries(Object.entries(gridAdditions(existing.grid, grid)).map(([key, values]) => [key, values.map((v) => entryId(key as GridKey, v))]))
  const growth: GridGrowth = { date: date.toISOString(), added, runs: runs.filter((r) => !before.has(r.id)).length }
  return { ...planned, grid, runs, history: [...(existing.history ?? []), growth] }
}

/** The folder's manifest; null when it has none. */
export async function readManifest(dir: string): Promise<SweepManifest | null> {
  return (await readManifestFile(dir))?.manifest ?? null
}

/** The manifest with the text it was read from (a report's index is keyed on it); null when there is none. */
export async function readManifestFile(dir: string): Promise<{ manifest: SweepManifest; text: string } | null> {
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
  return { manifest: parsed.data as SweepManifest, text }
}

/**
 * Why the planned sweep cannot go on in (or grow) an existing one; empty when it can. Shared
 * settings must be equal (they change every run); the grid may grow (see growth.ts).
 */
export function manifestConflicts(existing: SweepManifest, planned: SweepManifest): string[] {
  const problems = existing.fingerprint === planned.fingerprint ? [] : diffSettings(existing.settings, planned.settings)
  if (existing.fingerprint !== planned.fingerprint && problems.length === 0) problems.push('settings fingerprint differs')
  return [...problems, ...gridConflicts(existing.grid, planned.grid)]
}

/**
 * Publish the manifest. Without `replace` it is created only if none exists (complete, in one
 * step), so of two sweeps starting into one folder at once the second finds the first's
 * manifest: the same sweep goes on, another is refused. `replace` (--force over a sweep of other
 * settings) overwrites it. `grownFrom` (a grown grid) replaces the manifest it grew from, and only
 * that one: another process of the same sweep may have grown it already (then nothing is written).
 */
export async function writeManifest(dir: string, manifest: SweepManifest, options: { replace?: boolean; grownFrom?: SweepManifest } = {}): Promise<void> {
  const path = join(dir, MANIFEST)
  const json = `${JSON.stringify(manifest, null, 2)}\n`
  const refuse = (why: string) =>
    new TeacacheError('OUTPUT', `--output: ${dir} was claimed by another sweep meanwhile (${why}); nothing of it was changed: choose another folder`)
  if (options.grownFrom) {
    const current = await readManifest(dir)
    if (current && sameSweep(current, manifest)) return
    if (!current || !sameSweep(current, options.grownFrom)) throw refuse(current ? manifestConflicts(current, manifest).join('; ') || 'its grid changed' : 'its sweep.json vanished')
  }
  try {
    await makeDirs(dir)
    if (options.replace || options.grownFrom) return await writeJsonAtomic(path, manifest)
    if (await createExclusive(path, json)) return
  } catch (error) {
    throw spaceErrorOr(error, dir, () => error)
  }
  const existing = await readManifest(dir)
  if (!existing || !sameSweep(existing, manifest)) {
    throw refuse(existing ? manifestConflicts(existing, manifest).join('; ') || 'it holds another grid' : 'it vanished while being read')
  }
}
