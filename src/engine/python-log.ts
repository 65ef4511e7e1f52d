import { closeSync, openSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'

/**
 * Where Python's own output (library warnings, a crash's last words) goes while a command runs:
 * a file in the temp folder, removed when the command ends unless a message pointed the user to
 * it (Python died). An unusable TMPDIR falls back to /tmp and /var/tmp, and then to no log.
 */
export interface PythonLog {
  path: string | null
  /** Keep the file after the command: a message names it. */
  keep(): void
  /** Remove it now, unless kept (Python closed: nothing more will be written to it). */
  remove(): void
}

export function openPythonLog(dirs: readonly string[] = [tmpdir(), '/tmp', '/var/tmp']): PythonLog {
  for (const dir of [...new Set(dirs)]) {
    // A name of its own (not only the pid): an earlier kept log of a recycled pid is never reused or removed.
    const path = join(dir, `teacache-python-${process.pid}-${randomBytes(3).toString('hex')}.log`)
    try {
      closeSync(openSync(path, 'wx', 0o644))
    } catch {
      continue
    }
    let kept = false
    const remove = () => {
      if (!kept) rmSync(path, { force: true })
    }
    process.once('exit', remove)
    return {
      path,
      keep: () => {
        kept = true
      },
      remove,
    }
  }
  return { path: null, keep: () => {}, remove: () => {} }
}
