import { promises as fs } from 'node:fs'
import { isAbsolute, relative, resolve, sep } from 'node:path'
import { TeacacheError } from '../errors.ts'
import { protectedIn, type Protected } from '../run/safe-force.ts'
import { canCreate, exists } from '../util/fs.ts'
import { METHODS } from '../methods/registry.ts'
import { checkPathLength } from '../util/paths.ts'
import { gridKeys } from './grid.ts'
import { gridConflicts, indexedLists } from './growth.ts'
import { growManifest, manifestConflicts, readManifest, type SweepManifest } from './manifest.ts'
import { WRITERS } from './writers.ts'

/** The longest path a sweep writes inside its folder ("p<i>-s<seed>/t<threshold>/frames/<frame tmp>"), with room to spare. */
export const SWEEP_FOLDER_RESERVE = 160

/** What a sweep folder holds (null: no sweep yet) and the sweep this command runs in it. */
export interface SweepFolder {
  existing: SweepManifest | null
  /** The planned sweep, or the folder's grown by it (see growth.ts), or forced over it. */
  manifest: SweepManifest
  /** What becomes of sweep.json: created in a new folder, kept, grown (see writeManifest) or replaced (--force). */
  write: 'create' | 'keep' | 'grow' | 'replace'
}

/**
 * Whether a sweep may write into a folder, decided before Python starts: a new folder, or an
 * earlier sweep with the same shared settings (to finish it, or to grow its grid). A folder
 * holding a sweep of other settings, or one whose run ids the command would rename, is taken only
 * with --force, and --force redoes runs only in a sweep folder teacache made (it has a valid
 * sweep.json), never in the current directory or one holding the command's inputs.
 */
export async function checkSweepDir(dir: string, planned: SweepManifest, force: boolean, protect: readonly Protected[] = [], now = new Date()): Promise<SweepFolder> {
  checkPathLength(dir, '--output', SWEEP_FOLDER_RESERVE)
  if (!(await exists(dir))) {
    if (!(await canCreate(dir))) throw new TeacacheError('OUTPUT', `--output: ${dir} cannot be created (no write permission on its parent)`)
    return { existing: null, manifest: planned, write: 'create' }
  }
  if (!(await fs.stat(dir)).isDirectory()) throw new TeacacheError('OUTPUT', `--output: ${dir} is a file; expected a sweep folder`)
  // A broken sweep.json stops here with or without --force: the user decides what it was.
  const existing = await readManifest(dir)
  if (!existing) {
    const entries = (await fs.readdir(dir)).filter((name) => name !== WRITERS)
    if (entries.length > 0) {
      const what = force ? '--force redoes runs only in a sweep folder teacache made (with its sweep.json), and it' : 'it'
      throw new TeacacheError('OUTPUT', `--output: ${dir} is not empty and holds no sweep.json; ${what} holds other files (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', ...' : ''}); choose another folder`)
    }
    return { existing: null, manifest: planned, write: 'create' }
  }
  if (force) {
    const guarded = protectedIn(dir, protect)
    if (guarded) throw new TeacacheError('OUTPUT', `--output: --force would redo the runs in ${dir}, which is or holds ${guarded.what} (${guarded.path}); choose another folder`)
  }
  const conflicts = manifestConflicts(existing, planned)
  if (conflicts.length === 0) {
    const manifest = growManifest(existing, planned, now)
    return { existing, manifest, write: manifest === existing ? 'keep' : 'grow' }
  }
  if (!force) {
    // Only an indexed list can rename runs: say how it may grow.
    const renamed = gridConflicts(existing.grid, planned.grid).length > 0
    const advice = renamed ? `run ids number the ${indexedLists().join(' and ')} by position, so new ones go at the end of the list; ` : ''
    throw new TeacacheError(
      'OUTPUT',
      `--output: ${dir} holds a sweep with other settings:\n  ${conflicts.join('\n  ')}\n` +
        `${advice}only its grid may grow (more ${gridKeys().join(', ')}): choose another folder, or pass --force to redo every run with these settings`,
    )
  }
  return { existing, manifest: planned, write: 'replace' }
}

/** "baseline", "t0.2-compiled", "fbc0.05", "pab", "fastercache-1a2b3c4d": what a run folder of a group may be called. */
const RUN_ID = new RegExp(`^p\\d+-s\\d+/(?:(?:baseline|t[\\d.e+-]+)(?:-compiled)?|(?:${METHODS.map((m) => m.name).join('|')})[\\d.e+-]*?(?:-[0-9a-f]{8})?)$`)

/**
 * The folder of run `id` inside the sweep folder. Ids come from the grid (validated numbers and
 * indices), and the resolved path is checked as well: nothing read from a file places a path
 * outside the folder.
 */
export function runFolderOf(sweepDir: string, id: string): string {
  const path = resolve(sweepDir, id)
  const rel = relative(resolve(sweepDir), path)
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel) || !RUN_ID.test(id)) {
    throw new TeacacheError('INPUT', `${sweepDir}: run id "${id}" does not name a run folder inside the sweep folder`)
  }
  return path
}
