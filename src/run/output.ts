import { promises as fs } from 'node:fs'
import { join, resolve } from 'node:path'
import { TeacacheError } from '../errors.ts'
import { canCreate, exists } from '../util/fs.ts'

/**
 * Choose a run folder without creating it (nothing is written before the model has loaded):
 * the one asked for, which must not hold anything unless forced, or a new dated one.
 */
export async function chooseRunDir(options: { explicit?: string; parent: string; name: string; force?: boolean; now?: Date }): Promise<string> {
  if (options.explicit) {
    const dir = resolve(options.explicit)
    if ((await exists(dir)) && !options.force && (await fs.readdir(dir).then((e) => e.length > 0, () => true))) {
      throw new TeacacheError('OUTPUT', `--output: ${dir} already exists and is not empty; choose another folder or pass --force to replace it`)
    }
    if (!(await canCreate(dir))) throw new TeacacheError('OUTPUT', `--output: ${dir} cannot be created (no write permission on its parent)`)
    return dir
  }
  const parent = resolve(options.parent)
  if (!(await canCreate(parent))) throw new TeacacheError('OUTPUT', `output: ${parent} cannot be created or written`)
  const base = join(parent, `${options.name}-${stamp(options.now ?? new Date())}`)
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : `${base}-${n}`
    if (!(await exists(candidate))) return candidate
  }
}

/** Create the chosen folder; with force an existing one is replaced only now, after loading succeeded. */
export async function createRunDir(dir: string, force = false): Promise<void> {
  if (force) await fs.rm(dir, { recursive: true, force: true })
  try {
    await fs.mkdir(dir, { recursive: true })
  } catch (error) {
    throw new TeacacheError('OUTPUT', `output: cannot create ${dir} (${(error as Error).message})`)
  }
  if ((await fs.readdir(dir)).length > 0) {
    throw new TeacacheError('OUTPUT', `output: ${dir} was filled by something else while the model loaded; nothing was overwritten`)
  }
}

function stamp(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}-${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`
}
