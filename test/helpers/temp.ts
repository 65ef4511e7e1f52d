import { chmodSync, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * Temp folders that remove themselves: every test file's folders (and anything registered with
 * `removeLater`) are removed after the file's last test, passed or failed (the afterAll hook
 * lives in test/helpers/setup.ts, which vitest loads before every test file). The run's own
 * check (test/helpers/temp-check.ts) then finds anything that escaped.
 */
const made: string[] = []

/** A fresh folder in the temp folder, removed after this test file. */
export function tempDir(prefix = 'tc-'): string {
  return removeLater(mkdtempSync(join(tmpdir(), prefix)))
}

/** Remove `path` (a file or a folder) after this test file: e.g. a log a killed process left. */
export function removeLater(path: string): string {
  made.push(path)
  return path
}

export function removeTempDirs(): void {
  for (const path of made.splice(0).reverse()) {
    try {
      rmSync(path, { recursive: true, force: true, maxRetries: 3 })
    } catch {
      // A test that made something read-only (as a full disk or a locked folder): open it up first.
      writable(path)
      rmSync(path, { recursive: true, force: true, maxRetries: 3 })
    }
  }
}

function writable(path: string): void {
  try {
    // Never through a link: a test's symlink may point at something outside its folder.
    const stat = lstatSync(path)
    if (stat.isSymbolicLink()) return
    chmodSync(path, 0o700)
    if (stat.isDirectory()) for (const name of readdirSync(path)) writable(join(path, name))
  } catch {
    // Gone already, or not ours to change: rmSync says which.
  }
}
