import { writeFileSync, chmodSync, existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { execa } from 'execa'
import { tempDir } from './temp.ts'

export { removeLater, tempDir } from './temp.ts'

export const ROOT = resolve(import.meta.dirname, '..', '..')
export const BIN = join(ROOT, 'bin', 'teacache.mjs')

export interface CliResult {
  exitCode: number
  stdout: string
  stderr: string
}

/** Run the real CLI in a child process, as a user would. */
export async function teacache(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  const result = await execa(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...options.env },
    reject: false,
    stdin: 'ignore',
  })
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) }
}

/**
 * A stand-in interpreter that only records that it was started: for tests asserting that a
 * command never starts Python.
 */
export function pythonTripwire(): { env: NodeJS.ProcessEnv; started(): boolean } {
  const dir = tempDir('tc-trip-')
  const marker = join(dir, 'started')
  const script = join(dir, 'python')
  writeFileSync(script, `#!/bin/sh\ntouch "${marker}"\nexit 1\n`)
  chmodSync(script, 0o755)
  return { env: { TEACACHE_PYTHON: script }, started: () => existsSync(marker) }
}
