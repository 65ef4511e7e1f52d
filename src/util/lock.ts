import { randomBytes } from 'node:crypto'
import { promises as fs, readFileSync, unlinkSync } from 'node:fs'
import { hostname } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { z } from 'zod'

/**
 * Exclusive lock files for folders teacache writes. A lock is created complete (written under a
 * temporary name, then hard-linked to its final name, which fails if it exists), so a reader
 * never sees half an owner. A lock whose owner is gone (same host, pid not running, or the
 * machine rebooted since) is taken over with a message; an owner on another host cannot be
 * checked from here and counts as alive.
 */
export const ownerSchema = z.looseObject({
  pid: z.number().int().positive(),
  host: z.string(),
  boot_id: z.string().nullable(),
  started_at: z.string(),
  command: z.string(),
  token: z.string(),
})
export type LockOwner = z.infer<typeof ownerSchema>

let cachedBootId: string | null | undefined
/** Linux's id of the current boot: a pid recorded before a reboot says nothing about today's processes. */
export function bootId(): string | null {
  if (cachedBootId === undefined) {
    try {
      cachedBootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null
    } catch {
      cachedBootId = null
    }
  }
  return cachedBootId
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists, it is someone else's.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export function currentOwner(): LockOwner {
  return {
    pid: process.pid,
    host: hostname(),
    boot_id: bootId(),
    started_at: new Date().toISOString(),
    command: ['teacache', ...process.argv.slice(2)].join(' ').slice(0, 500),
    token: randomBytes(8).toString('hex'),
  }
}

/** Whether the owner is certainly gone: only decidable for an owner on this host. */
export function ownerGone(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return false
  const boot = bootId()
  if (owner.boot_id && boot && owner.boot_id !== boot) return true
  return !pidAlive(owner.pid)
}

export function describeOwner(owner: LockOwner): string {
  return `pid ${owner.pid} on ${owner.host === hostname() ? 'this host' : owner.host}, since ${owner.started_at}`
}

/** Another live process holds the lock (or the lock file cannot be understood). */
export class LockHeldError extends Error {
  readonly path: string
  readonly owner: LockOwner | null
  constructor(path: string, owner: LockOwner | null) {
    super(owner ? `${path} is held by ${describeOwner(owner)} (${owner.command})` : `${path} exists but does not name its owner; remove it if no teacache process is using the folder`)
    this.path = path
    this.owner = owner
  }
}

export interface Lock {
  readonly path: string
  readonly owner: LockOwner
  release(): Promise<void>
}

const held = new Map<string, LockOwner>()
let exitHookInstalled = false

/** A process that ends without releasing (an error path, process.exit) still removes its locks. */
function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    for (const [path, owner] of held) removeIfMine(path, owner.token)
  })
}

/** `text` as JSON of `schema`'s shape, or null: half written, or not one of ours. */
function parseAs<T>(schema: z.ZodType<T>, text: string): T | null {
  try {
    const parsed = schema.safeParse(JSON.parse(text))
    return parsed.success ? parsed.data : null
  } catch {
    return null
  }
}

/** Remove `path` if it still names this process (its token, on this host): never a lock or entry another has taken meanwhile. Synchronous, for exit hooks. */
export function removeIfMine(path: string, token: string): void {
  try {
    const owner = parseAs(ownerSchema, readFileSync(path, 'utf8'))
    if (owner?.token === token && owner.host === hostname()) unlinkSync(path)
  } catch {
    // Already gone, or the folder with it.
  }
}

/** An entry of a register of processes (sweep writers, tune shards), or null where there is none to go by. */
export async function readEntry<T>(path: string, schema: z.ZodType<T>): Promise<T | null> {
  try {
    return parseAs(schema, await fs.readFile(path, 'utf8'))
  } catch {
    // Gone meanwhile, not there yet or being replaced: to a reader, as if there were none.
    return null
  }
}

export async function readOwner(path: string): Promise<LockOwner | null | 'missing'> {
  try {
    return parseAs(ownerSchema, await fs.readFile(path, 'utf8'))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing'
    throw error
  }
}

/** Create `path` holding `content` only if it does not exist; false when it does. */
export async function createExclusive(path: string, content: string): Promise<boolean> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`)
  await fs.writeFile(tmp, content)
  try {
    await fs.link(tmp, path)
    return true
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') return false
    // Filesystems without hard links: an exclusive create is still exclusive, only not atomic.
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
      try {
        await fs.writeFile(path, content, { flag: 'wx' })
        return true
      } catch (inner) {
        if ((inner as NodeJS.ErrnoException).code === 'EEXIST') return false
        throw inner
      }
    }
    throw error
  } finally {
    await fs.rm(tmp, { force: true })
  }
}

/** How long a takeover marker may live before it is itself taken to be left over from a crash. */
const TAKEOVER_STALE_MS = 10_000

export type TakeoverNotice = (message: string) => void
export const stderrNotice: TakeoverNotice = (message) => process.stderr.write(`teacache: ${message}\n`)

/**
 * Take the lock at `path` (its folder must exist). Throws LockHeldError when a live process
 * holds it; takes over, with a notice, a lock whose owner is gone.
 */
export async function acquireLock(path: string, notice: TakeoverNotice = stderrNotice): Promise<Lock> {
  const owner = currentOwner()
  const content = `${JSON.stringify(owner)}\n`
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await createExclusive(path, content)) {
      installExitHook()
      held.set(path, owner)
      return { path, owner, release: () => releaseLock(path, owner) }
    }
    const current = await readOwner(path)
    if (current === 'missing') continue
    if (current === null || !ownerGone(current)) throw new LockHeldError(path, current)
    // Two processes may find the same dead owner: only the one that makes the takeover marker
    // removes the old lock, so neither can remove a lock the other has just taken.
    const marker = `${path}.takeover`
    if (!(await createExclusive(marker, content))) {
      const age = await fs.stat(marker).then((s) => Date.now() - s.mtimeMs, () => 0)
      if (age > TAKEOVER_STALE_MS) await fs.rm(marker, { force: true })
      else await new Promise((resolve) => setTimeout(resolve, 50))
      continue
    }
    try {
      const again = await readOwner(path)
      if (again !== 'missing' && again !== null && again.token === current.token) {
        await fs.rm(path, { force: true })
        notice(`taking over ${path}: its owner (${describeOwner(current)}) is no longer running`)
      }
    } finally {
      await fs.rm(marker, { force: true })
    }
  }
  throw new LockHeldError(path, null)
}

async function releaseLock(path: string, owner: LockOwner): Promise<void> {
  held.delete(path)
  const current = await readOwner(path).catch(() => null)
  // Never remove a lock someone else has taken over meanwhile.
  if (current !== 'missing' && current !== null && current.token === owner.token) await fs.rm(path, { force: true })
}
