import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'
import { describe, expect, it } from 'vitest'
import { BIN, teacache, tempDir } from '../helpers/cli.ts'
import { alive, until } from '../helpers/processes.ts'

/**
 * An interpreter that passes the version probe and then hangs (a Python stuck importing torch
 * from a dead network disk): after TEACACHE_START_TIMEOUT seconds, exit 3 with the interpreter
 * and what it waited for; no process left behind, nothing written.
 */
function hangingPython(): { path: string; pidFile: string } {
  const dir = tempDir('tc-hang-')
  const path = join(dir, 'python')
  const pidFile = join(dir, 'pid')
  writeFileSync(path, `#!/bin/sh\nif [ "$1" = "-c" ]; then echo 3.11; exit 0; fi\necho $$ > "${pidFile}.tmp"\nmv "${pidFile}.tmp" "${pidFile}"\nexec sleep 600\n`)
  chmodSync(path, 0o755)
  return { path, pidFile }
}

describe('Python start-up', () => {
  it('a hang is cut off at TEACACHE_START_TIMEOUT: exit 3 naming the interpreter and what it waited for', async () => {
    const python = hangingPython()
    const out = join(tempDir(), 'run')
    const result = await teacache(['run', 'configs/tiny.yaml', '--output', out], { env: { TEACACHE_PYTHON: python.path, TEACACHE_START_TIMEOUT: '1' } })
    expect(result.exitCode).toBe(3)
    expect(result.stderr).toBe(
      `teacache: ${python.path} did not finish starting within 1 s (still waiting for the import of teacache.bridge: torch, diffusers); ` +
        'if it is only slow (torch from a cold disk), set TEACACHE_START_TIMEOUT=<seconds> to wait longer',
    )
    const pid = Number(readFileSync(python.pidFile, 'utf8'))
    await until(() => !alive(pid))
    expect(existsSync(out)).toBe(false)
  })

  it('SIGTERM during a hanging start-up stops it at once: exit 143, no process left', async () => {
    const python = hangingPython()
    const child = execa(process.execPath, [BIN, 'run', 'configs/tiny.yaml', '--output', join(tempDir(), 'run')], {
      reject: false, stdin: 'ignore', env: { TEACACHE_PYTHON: python.path, TEACACHE_START_TIMEOUT: '600' },
    })
    await until(() => existsSync(python.pidFile) || child.exitCode !== null)
    expect(existsSync(python.pidFile)).toBe(true)
    child.kill('SIGTERM')
    const result = await child
    expect(result.exitCode).toBe(143)
    expect(String(result.stderr)).toMatch(/^teacache: interrupted by SIGTERM$/m)
    const pid = Number(readFileSync(python.pidFile, 'utf8'))
    await until(() => !alive(pid))
  })

  it.each(['0', '-5', 'soon'])('TEACACHE_START_TIMEOUT=%s is refused with exit 2 naming the setting', async (value) => {
    const result = await teacache(['run', 'configs/tiny.yaml', '--output', join(tempDir(), 'run')], { env: { TEACACHE_START_TIMEOUT: value } })
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toBe(`teacache: TEACACHE_START_TIMEOUT: expected seconds to wait for Python to start (a number above 0), got "${value}"`)
  })
})
