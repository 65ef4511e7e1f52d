import { createHash } from 'node:crypto'
import { promises as fs } from 'node:fs'
import { dirname, join } from 'node:path'
import { z } from 'zod'
import { TeacacheError } from '../errors.ts'
import { spaceErrorOr } from '../util/disk.ts'
import { makeDirs, writeJsonAtomic } from '../util/fs.ts'
import { currentOwner, describeOwner, ownerGone, ownerSchema, readEntry, removeIfMine, stderrNotice, type TakeoverNotice } from '../util/lock.ts'
import { normalizeGrid } from './grid.ts'
import type { SweepManifest } from './manifest.ts'
import { canonicalJson } from '../util/json.ts'

/**
 * The sweep folder's lock, shared by the processes of one sweep and exclusive against any other.
 * Shards (`--shard i/n`, Slurm array tasks) and `--devices` workers legitimately write one folder
 * at once, so the lock is a register: every writing process leaves a file in `.teacache-writers/`
 * naming itself and the sweep it runs (settings fingerprint and grid). A process that finds a
 * live writer of another sweep that is established (it passed this check) or registered before
 * it leaves and exits 2; writers of the same sweep go on side by side (their run folders are
 * locked one by one, see src/run/output.ts). Of two sweeps registering at the same moment the
 * later one refuses (across hosts "later" is by their clocks, only for the instant between a
 * check and its mark; sweep.json, created exclusively, still stops a second claim on a new folder).
 * Entries whose process is gone are removed with a message.
 */
export const WRITERS = '.teacache-writers'

const writerSchema = ownerSchema.extend({ identity: z.string(), registered_at: z.number(), established: z.boolean().optional() })
type Writer = z.infer<typeof writerSchema>

/**
 * What makes two processes "the same sweep": the shared settings and the whole grid. A process
 * that grows a sweep registers the grown grid, so it does not share the folder with a process
 * still running the old one (whose shards deal the groups another way); it waits for it instead.
 */
export function sweepIdentity(manifest: Pick<SweepManifest, 'fingerprint' | 'grid'>): string {
  return `${manifest.fingerprint}-${createHash('sha256').update(canonicalJson(normalizeGrid(manifest.grid))).digest('hex').slice(0, 16)}`
}

export interface Membership {
  /** The sweep folder (another name when an auto-named one was taken meanwhile). */
  dir: string
  leave(): Promise<void>
}

/**
 * Join the writers of the sweep folder `dir` (creating it). `exclusive`: the folder was named by
 * teacache, so one that exists by now belongs to someone else and the next name is used.
 */
export async function joinSweep(dir: string, identity: string, options: { exclusive?: boolean; notice?: TakeoverNotice } = {}): Promise<Membership> {
  const notice = options.notice ?? stderrNotice
  const { dir: folder, created } = await makeFolder(dir, Boolean(options.exclusive))
  const writers = join(folder, WRITERS)
  const me: Writer = { ...currentOwner(), identity, registered_at: Date.now() }
  const mine = join(writers, `${me.host}-${me.pid}.json`)
  try {
    await makeDirs(writers)
    await writeJsonAtomic(mine, me)
  } catch (error) {
    throw spaceErrorOr(error, folder, () => new TeacacheError('OUTPUT', `--output: cannot write into ${folder} (${(error as Error).message})`))
  }
  const cleanup = () => removeIfMine(mine, me.token)
  process.once('exit', cleanup)
  const leave = async () => {
    process.off('exit', cleanup)
    cleanup()
    await fs.rmdir(writers).catch(() => {})
    // A folder this process made and nothing was written into: as if the command never ran.
    if (created) await fs.rmdir(folder).catch(() => {})
  }
  try {
    const conflict = await firstConflict(writers, me, notice)
    if (conflict) {
      throw new TeacacheError(
        'OUTPUT',
        `--output: ${folder} is being written by another sweep with other settings or another grid (${describeOwner(conflict)}: ${conflict.command}); ` +
          'wait for it to finish (a grid grows only while no process runs the old one) or choose another folder (if that process is gone, remove ' +
          join(writers, `${conflict.host}-${conflict.pid}.json`) + ')',
      )
    }
    // From now on a newcomer of another sweep refuses whatever its clock says (hosts sharing a folder may disagree).
    await writeJsonAtomic(mine, { ...me, established: true })
  } catch (error) {
    await leave()
    throw error
  }
  return { dir: folder, leave }
}

async function makeFolder(dir: string, exclusive: boolean): Promise<{ dir: string; created: boolean }> {
  try {
    if (!exclusive) {
      const existed = await fs.stat(dir).then(() => true, () => false)
      await makeDirs(dir)
      return { dir, created: !existed }
    }
    await makeDirs(dirname(dir))
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? dir : `${dir}-${n}`
      try {
        await fs.mkdir(candidate)
        return { dir: candidate, created: true }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      }
    }
  } catch (error) {
    throw spaceErrorOr(error, dir, () => new TeacacheError('OUTPUT', `--output: cannot create ${dir} (${(error as Error).message})`))
  }
}

/** A live writer of another sweep that is established or registered before `me` (ties broken by name), if any. */
async function firstConflict(writers: string, me: Writer, notice: TakeoverNotice): Promise<Writer | null> {
  const order = (w: Writer) => [w.registered_at, `${w.host}-${w.pid}`] as const
  const before = (a: Writer, b: Writer) => order(a)[0] < order(b)[0] || (order(a)[0] === order(b)[0] && order(a)[1] < order(b)[1])
  for (const name of await fs.readdir(writers)) {
    if (!name.endsWith('.json') || name === `${me.host}-${me.pid}.json`) continue
    const path = join(writers, name)
    const other = await readEntry(path, writerSchema)
    if (!other) continue
    if (ownerGone(other)) {
      await fs.rm(path, { force: true })
      notice(`taking over the sweep folder ${dirname(writers)}: its writer ${describeOwner(other)} is no longer running`)
      continue
    }
    if (other.identity !== me.identity && (other.established || before(other, me))) return other
  }
  return null
}
