import { promises as fs } from 'node:fs'
import { TeacacheError } from '../errors.ts'
import { canCreate, exists } from '../util/fs.ts'
import { manifestConflicts, readManifest, type SweepManifest } from './manifest.ts'

/**
 * Whether a sweep may write into a folder, decided before Python starts: a new folder, or an
 * earlier run of this very sweep (to finish it). Anything else is refused unless --force, so a
 * sweep never silently mixes its runs with other settings' or overwrites other files.
 */
/** Returns the folder's manifest when it holds one that is kept (same sweep, or forced over). */
export async function checkSweepDir(dir: string, planned: SweepManifest, force: boolean): Promise<SweepManifest | null> {
  if (!(await exists(dir))) {
    if (!(await canCreate(dir))) throw new TeacacheError('OUTPUT', `--output: ${dir} cannot be created (no write permission on its parent)`)
    return null
  }
  if (!(await fs.stat(dir)).isDirectory()) throw new TeacacheError('OUTPUT', `--output: ${dir} is a file; expected a sweep folder`)
  const existing = await readManifest(dir).catch((error) => {
    if (force) return null
    throw error
  })
  if (!existing) {
    if (!force && (await fs.readdir(dir)).length > 0) {
      throw new TeacacheError('OUTPUT', `--output: ${dir} is not empty and holds no sweep.json; choose another folder, or pass --force to sweep into it anyway`)
    }
    return null
  }
  const conflicts = manifestConflicts(existing, planned)
  if (conflicts.length > 0 && !force) {
    throw new TeacacheError('OUTPUT', `--output: ${dir} holds a sweep with other settings:\n  ${conflicts.join('\n  ')}\nchoose another folder, or pass --force to redo every run with these settings`)
  }
  return existing
}
