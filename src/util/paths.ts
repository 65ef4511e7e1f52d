import { realpathSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { TeacacheError } from '../errors.ts'

/**
 * Paths a user gives: `~` expanded as a shell would, and lengths checked against the system's
 * limits before any work starts (a path the kernel refuses would otherwise surface only after
 * the model has loaded).
 */
const LIMITS = process.platform === 'darwin' ? { path: 1024, name: 255 } : { path: 4096, name: 255 }

export function expandHome(path: string): string {
  if (path === '~') return home()
  if (path.startsWith('~/')) return resolve(home(), path.slice(2))
  return path
}

function home(): string {
  return process.env.HOME || homedir()
}

function shorten(path: string): string {
  return path.length > 80 ? `${path.slice(0, 40)}...${path.slice(-30)}` : path
}

/**
 * Refuse (exit 2) a path the system cannot hold: longer than PATH_MAX with `reserve` bytes of
 * teacache's own names added inside it, or with a component longer than NAME_MAX.
 */
export function checkPathLength(path: string, label: string, reserve = 0): void {
  const bytes = Buffer.byteLength(path)
  // PATH_MAX counts the terminating NUL.
  if (bytes + reserve > LIMITS.path - 1) {
    throw new TeacacheError(
      'OUTPUT',
      `${label}: the path is too long (${bytes} bytes, and teacache writes up to ${reserve} more inside it; this system allows ${LIMITS.path - 1}): ${shorten(path)}`,
    )
  }
  const long = path.split(sep).find((part) => Buffer.byteLength(part) > LIMITS.name)
  if (long !== undefined) {
    throw new TeacacheError('OUTPUT', `${label}: a folder or file name in the path is too long (${Buffer.byteLength(long)} bytes; this system allows ${LIMITS.name} per name): ${shorten(long)}`)
  }
}

/** A path with the links of its nearest existing ancestor resolved (the rest appended as written). */
export function realPath(path: string): string {
  const absolute = resolve(path)
  // The nearest existing ancestor resolves its links; the rest is appended as written.
  let existing = absolute
  const rest: string[] = []
  for (;;) {
    try {
      return join(realpathSync(existing), ...rest)
    } catch {
      const parent = dirname(existing)
      if (parent === existing) return absolute
      rest.unshift(existing.slice(parent.length + (parent.endsWith(sep) ? 0 : 1)))
      existing = parent
    }
  }
}

/** `inner` is `outer` or inside it. */
export function contains(outer: string, inner: string): boolean {
  const rel = relative(realPath(outer), realPath(inner))
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))
}

/** A path as a message shows it: relative to the cwd when it lies below it, else absolute. */
export function shownPath(path: string): string {
  const rel = relative(process.cwd(), path)
  return rel && !rel.startsWith('..') ? rel : path
}
