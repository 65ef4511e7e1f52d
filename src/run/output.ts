import { promises as fs } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { TeacacheError } from '../errors.ts'
import { spaceErrorOr } from '../util/disk.ts'
import { canCreate, exists, makeDirs } from '../util/fs.ts'
import { acquireLock, LockHeldError, type Lock } from '../util/lock.ts'
import { checkPathLength } from '../util/paths.ts'
import { clearRunFolder, RUN_LOCK, runEntries, whyNotReplaceable, type Protected } from './safe-force.ts'

/** The longest path teacache writes inside a run folder ("frames/.frame_00000.png.<tmp>"), with room to spare. */
export const RUN_FOLDER_RESERVE = 64

/**
 * Choose a run folder without creating it (nothing is written before the model has loaded):
 * the one asked for, which must be new or empty, or with --force a run folder teacache made; or
 * a new dated one. Everything checkable is checked here, before Python starts.
 */
export async function chooseRunDir(options: {
  explicit?: string
  parent: string
  name: string
  force?: boolean
  now?: Date
  protect?: readonly Protected[]
}): Promise<string> {
  if (options.explicit) {
    const dir = resolve(options.explicit)
    checkPathLength(dir, '--output', RUN_FOLDER_RESERVE)
    if (await exists(dir)) {
      const entries = await runEntries(dir).catch(() => null)
      if (entries === null) throw new TeacacheError('OUTPUT', `--output: ${dir} exists and is not a folder teacache can write into`)
      if (entries.length > 0 && !options.force) {
        throw new TeacacheError('OUTPUT', `--output: ${dir} already exists and is not empty; choose another folder or pass --force to replace a run folder teacache made`)
      }
      if (options.force) await refuseUnlessReplaceable(dir, options.protect)
    }
    if (!(await canCreate(dir))) throw new TeacacheError('OUTPUT', `--output: ${dir} cannot be created (no write permission on its parent)`)
    return dir
  }
  const parent = resolve(options.parent)
  checkPathLength(join(parent, `${options.name}-00000000-000000-00`), 'output', RUN_FOLDER_RESERVE)
  if (!(await canCreate(parent))) throw new TeacacheError('OUTPUT', `output: ${parent} cannot be created or written`)
  const base = join(parent, `${options.name}-${stamp(options.now ?? new Date())}`)
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : `${base}-${n}`
    if (!(await exists(candidate))) return candidate
  }
}

async function refuseUnlessReplaceable(dir: string, protect: readonly Protected[] | undefined): Promise<void> {
  const why = await whyNotReplaceable(dir, { protect, requireRecord: true })
  if (why) throw new TeacacheError('OUTPUT', `--output: --force replaces only a run folder teacache made, and ${dir} is not one: ${why}`)
}

/** A run folder this process has created (or, forced, emptied) and holds the lock of. */
export interface ClaimedRunDir {
  dir: string
  /** The folder already held what the claim would make (see `keepIf`): left as it was, lock released. */
  kept: boolean
  release(): Promise<void>
}

export interface CreateOptions {
  /** Replace an existing run folder teacache made (checked again here, under the lock). */
  force?: boolean
  /** A dated folder teacache named: if another process took the name meanwhile, use the next. */
  auto?: boolean
  protect?: readonly Protected[]
  /** With force: the folder must hold teacache's run.json (`run --output`; not a sweep's run folder). */
  requireRecord?: boolean
  /** Asked under the lock, before anything is replaced: true leaves the folder as it is (another process finished it). */
  keepIf?: (dir: string) => Promise<boolean>
}

/**
 * Create the chosen folder and take its lock, after the model loaded. A new folder is made with
 * an exclusive mkdir; an existing one is used only while no other process holds its lock, and
 * only if it is empty or (forced) a run folder teacache made, whose own entries are then removed.
 */
export async function createRunDir(dir: string, options: CreateOptions = {}): Promise<ClaimedRunDir> {
  try {
    await makeDirs(dirname(dir))
  } catch (error) {
    throw spaceErrorOr(error, dirname(dir), () => new TeacacheError('OUTPUT', `output: cannot create ${dirname(dir)} (${(error as Error).message})`))
  }
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? dir : `${dir}-${n}`
    let created = true
    try {
      await fs.mkdir(candidate)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw spaceErrorOr(error, candidate, () => new TeacacheError('OUTPUT', `output: cannot create ${candidate} (${(error as Error).message})`))
      }
      if (options.auto) continue
      created = false
    }
    return await claim(candidate, created, options)
  }
}

/** Lock a completed run folder to add timings to its run.json (a sweep re-timing a baseline); its files stay. */
export async function lockRunDir(dir: string): Promise<ClaimedRunDir> {
  const lock = await takeLock(dir)
  return { dir, kept: true, release: () => lock.release() }
}

async function takeLock(dir: string): Promise<Lock> {
  try {
    return await acquireLock(join(dir, RUN_LOCK))
  } catch (error) {
    if (error instanceof LockHeldError) {
      throw new TeacacheError('OUTPUT', `output: another teacache process is writing ${dir} (${error.owner ? `pid ${error.owner.pid} on ${error.owner.host}` : error.message}); nothing was overwritten`)
    }
    throw spaceErrorOr(error, dir, () => new TeacacheError('OUTPUT', `output: cannot lock ${dir} (${(error as Error).message})`))
  }
}

async function claim(dir: string, created: boolean, options: CreateOptions): Promise<ClaimedRunDir> {
  const lock = await takeLock(dir)
  try {
    if (!created && options.keepIf && (await options.keepIf(dir))) {
      await lock.release()
      return { dir, kept: true, release: async () => {} }
    }
    if (!created && (await runEntries(dir)).length > 0) {
      if (!options.force) throw new TeacacheError('OUTPUT', `output: ${dir} was filled by something else while the model loaded; nothing was overwritten`)
      const why = await whyNotReplaceable(dir, { protect: options.protect, requireRecord: options.requireRecord })
      if (why) throw new TeacacheError('OUTPUT', `output: ${dir} would be replaced, but it is not a run folder teacache made: ${why}; nothing was removed`)
      await clearRunFolder(dir)
      const left = await runEntries(dir)
      if (left.length > 0) throw new TeacacheError('OUTPUT', `output: ${dir} changed while it was being replaced (${left.join(', ')}); nothing else was removed`)
    }
  } catch (error) {
    await lock.release()
    throw error
  }
  return { dir, kept: false, release: () => lock.release() }
}

function stamp(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}-${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`
}
