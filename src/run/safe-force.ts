import { promises as fs } from 'node:fs'
import { join, relative } from 'node:path'
import { ownerSchema } from '../util/lock.ts'
import { contains, realPath as real } from '../util/paths.ts'

/**
 * What `--force` may replace: only a folder teacache made, recognised from its own files, and
 * never the current directory or a folder holding the config, its coefficients file or the
 * current directory. Replacing removes teacache's own entries by name; nothing is removed
 * recursively that was not first recognised.
 */
export const RUN_LOCK = '.teacache-lock'
export const RUN_RECORD = 'run.json'
export const RUN_FORMAT = 'teacache-run/1'

/** Files teacache writes at the top of a run folder (quality.json: the report's cache, src/report/quality-cache.ts), and the temporary names they pass through. */
const RUN_FILES = new Set([RUN_RECORD, 'error.txt', 'video.mp4', 'quality.json', RUN_LOCK, `${RUN_LOCK}.takeover`])
const RUN_TEMP = /^\.(run\.json|error\.txt|quality\.json|video|\.teacache-lock|\.teacache-lock\.takeover)[.\w-]*\.(tmp|partial\.mp4)$/
/** A frame, or a frame on its way to its final name (written under a temporary name, then renamed). */
const FRAME = /^\.?frame_\d+\.png([.\w-]*)$/

/** Entries of a run folder that teacache did not write: anything else, any link, any odd type. */
export async function foreignRunEntries(dir: string): Promise<string[]> {
  const foreign: string[] = []
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    if (entry.name === 'frames' && entry.isDirectory()) {
      for (const frame of await fs.readdir(join(dir, 'frames'), { withFileTypes: true })) {
        if (!(frame.isFile() && FRAME.test(frame.name))) foreign.push(`frames/${frame.name}`)
      }
    } else if (!(entry.isFile() && (RUN_FILES.has(entry.name) || RUN_TEMP.test(entry.name)))) {
      foreign.push(entry.name)
    }
  }
  return foreign
}

/** A run folder's entries other than its lock: what makes it "not empty". */
export async function runEntries(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).filter((name) => name !== RUN_LOCK && name !== `${RUN_LOCK}.takeover`)
}

/**
 * The folder says it is teacache's: its run.json names the run format (its other fields may be
 * broken), or, for a run killed before it wrote one, its lock names a teacache process.
 */
export async function madeByTeacache(dir: string): Promise<boolean> {
  const read = async (name: string) => {
    try {
      if (!(await fs.lstat(join(dir, name))).isFile()) return null
      return JSON.parse(await fs.readFile(join(dir, name), 'utf8')) as unknown
    } catch {
      return null
    }
  }
  const record = (await read(RUN_RECORD)) as { format?: unknown } | null
  if (record !== null && typeof record === 'object' && record.format === RUN_FORMAT) return true
  return ownerSchema.safeParse(await read(RUN_LOCK)).success
}

const same = (a: string, b: string) => relative(real(a), real(b)) === ''

export interface Protected {
  path: string
  /** "the current directory", "the config", "the coefficients file" */
  what: string
}

/** What `--force` must never remove: the cwd and the command's input files. */
export function protectedPaths(inputs: { config?: string; coefficients?: string; image?: string }, cwd = process.cwd()): Protected[] {
  const list: Protected[] = [{ path: cwd, what: 'the current directory' }]
  if (inputs.config) list.push({ path: inputs.config, what: 'the config' })
  if (inputs.coefficients) list.push({ path: inputs.coefficients, what: 'its coefficients file' })
  if (inputs.image) list.push({ path: inputs.image, what: 'its image' })
  return list
}

/** The first protected path that `dir` is, or holds. */
export function protectedIn(dir: string, protect: readonly Protected[]): Protected | undefined {
  return protect.find((p) => contains(dir, p.path))
}

/**
 * Why `--force` may not replace this existing run folder, or null when it may. `requireRecord`:
 * the folder must hold teacache's run.json (a `run --output DIR`); a sweep's own run folders are
 * recognised by the sweep folder around them and may have died before writing one.
 */
export async function whyNotReplaceable(dir: string, options: { protect?: readonly Protected[]; requireRecord?: boolean }): Promise<string | null> {
  const guarded = protectedIn(dir, options.protect ?? [])
  if (guarded) return same(guarded.path, dir) ? `it is ${guarded.what}` : `it holds ${guarded.what} (${guarded.path})`
  const stat = await fs.lstat(dir)
  if (!stat.isDirectory()) return 'it is not a folder'
  const entries = await runEntries(dir)
  if (entries.length === 0) return null
  const foreign = await foreignRunEntries(dir)
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 3).join(', ') + (foreign.length > 3 ? ` and ${foreign.length - 3} more` : '')
    return `it holds files teacache did not write (${shown})`
  }
  if (options.requireRecord && !(await madeByTeacache(dir))) return 'it holds no teacache run.json, so it is not a run folder teacache made'
  return null
}

/**
 * Remove teacache's own entries from a run folder whose lock this process holds, by name. A file
 * that appeared after the check is left alone (and the folder is then reported as not empty).
 */
export async function clearRunFolder(dir: string): Promise<void> {
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    if (entry.name === RUN_LOCK) continue
    if (entry.name === 'frames' && entry.isDirectory()) {
      await removeFrames(join(dir, 'frames'))
    } else if (entry.isFile() && (RUN_FILES.has(entry.name) || RUN_TEMP.test(entry.name)) && !entry.name.startsWith(`${RUN_LOCK}`)) {
      await fs.rm(join(dir, entry.name), { force: true })
    }
  }
}

/** Remove the frames (and their temporary files) of a folder, then the folder if that emptied it. */
export async function removeFrames(framesDir: string): Promise<void> {
  let entries: import('node:fs').Dirent[]
  try {
    entries = await fs.readdir(framesDir, { withFileTypes: true })
  } catch {
    return
  }
  for (const frame of entries) {
    if (frame.isFile() && FRAME.test(frame.name)) await fs.rm(join(framesDir, frame.name), { force: true })
  }
  await fs.rmdir(framesDir).catch(() => {})
}
