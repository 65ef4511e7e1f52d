import { randomBytes } from 'node:crypto'
import { closeSync, constants, fstatSync, openSync, promises as fs, readFileSync, type Stats } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, basename } from 'node:path'
import { spaceErrorOr } from './disk.ts'

/**
 * Write a file so that readers see the old content or the new, never half of it. A full disk
 * leaves no temporary file behind and becomes the one-line DISK error naming the folder.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`)
  try {
    await fs.writeFile(tmp, data)
    await fs.rename(tmp, path)
  } catch (error) {
    await fs.rm(tmp, { force: true })
    throw spaceErrorOr(error, dirname(path), () => error)
  }
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`)
}

export async function readJson<T = unknown>(path: string): Promise<T> {
  return JSON.parse(await readRegularFile(path)) as T
}

/**
 * A file's text, from a regular file only: reading a FIFO with no writer blocks for ever, and a
 * device may never end. The file is opened non-blocking (which opening a FIFO needs to return)
 * and checked on the open handle, so what was checked is what is read. Anything else fails with
 * code ENOTREG and a message saying what the path is; readProblem words every failure.
 */
export async function readRegularFile(path: string): Promise<string> {
  const handle = await fs.open(path, constants.O_RDONLY | constants.O_NONBLOCK)
  try {
    checkRegular(await handle.stat(), path)
    return await handle.readFile('utf8')
  } finally {
    await handle.close()
  }
}

export function readRegularFileSync(path: string): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK)
  try {
    checkRegular(fstatSync(fd), path)
    return readFileSync(fd, 'utf8')
  } finally {
    closeSync(fd)
  }
}

function checkRegular(stat: Stats, path: string): void {
  if (stat.isFile()) return
  const what = stat.isDirectory() ? 'a folder' : stat.isFIFO() ? 'a FIFO (named pipe)' : stat.isSocket() ? 'a socket' : 'a device'
  throw Object.assign(new Error(`${what}, not a regular file`), { code: 'ENOTREG', path })
}

/** Why reading a file failed, in words for a message: "no such file", "a FIFO (named pipe), not a regular file", ... */
export function readProblem(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException
  if (code === 'ENOTREG') return message
  if (code === 'ENOENT') return 'no such file'
  if (code === 'EISDIR') return 'a folder, not a regular file'
  if (code === 'EACCES') return 'permission denied'
  // Opening a Unix socket fails so.
  if (code === 'ENXIO') return 'a socket, not a regular file'
  return code ?? message
}

export async function exists(path: string): Promise<boolean> {
  try {
    await fs.access(path)
    return true
  } catch {
    return false
  }
}

/** The nearest existing ancestor of a path is writable (so the path could be created). */
export async function canCreate(path: string): Promise<boolean> {
  let current = path
  while (!(await exists(current))) {
    const parent = dirname(current)
    if (parent === current) return false
    current = parent
  }
  try {
    await fs.access(current, constants.W_OK)
    return (await fs.stat(current)).isDirectory()
  } catch {
    return false
  }
}

/**
 * `mkdir -p`, one level at a time. Node's own recursive mkdir never returns where mkdir fails
 * with ENOENT under a parent that exists (a path in /proc, say): this fails instead.
 */
export async function makeDirs(dir: string): Promise<void> {
  const missing: string[] = []
  let current = dir
  for (;;) {
    try {
      if ((await fs.stat(current)).isDirectory()) break
      throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${current}'`), { code: 'ENOTDIR', path: current })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      const parent = dirname(current)
      if (parent === current) break
      missing.unshift(current)
      current = parent
    }
  }
  for (const folder of missing) {
    try {
      await fs.mkdir(folder)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
  }
}

/**
 * A scratch folder: in the temp folder, or (TMPDIR read-only or missing) beside `near`, the
 * folder being written anyway. The caller removes it.
 */
export async function scratchDir(prefix: string, near: string): Promise<string> {
  try {
    return await fs.mkdtemp(join(tmpdir(), prefix))
  } catch {
    return await fs.mkdtemp(join(near, `.${prefix}`))
  }
}
