import { join } from 'node:path'
import { execaSync } from 'execa'
import { describe, expect, it } from 'vitest'
import { pythonTripwire, teacache, tempDir } from '../helpers/cli.ts'

/** A wrong interpreter is an environment problem (exit 3) named plainly, never a crash or a hang. */
describe('the Python environment', () => {
  it('refuses a TEACACHE_PYTHON that is not Python', async () => {
    const trip = pythonTripwire()
    const result = await teacache(['run', 'configs/tiny.yaml', '--output', join(tempDir(), 'out')], { env: trip.env })
    expect(result.exitCode).toBe(3)
    expect(result.stderr).toMatch(/^teacache: .*python is not a Python 3\.9\+ interpreter/m)
  })

  it('refuses a Python without teacache\'s packages, naming what is missing and how to fix it', async () => {
    const venv = join(tempDir('tc-venv-'), 'venv')
    execaSync('python3', ['-m', 'venv', '--without-pip', venv])
    const out = join(tempDir(), 'out')
    const result = await teacache(['run', 'configs/tiny.yaml', '--output', out], { env: { TEACACHE_PYTHON: join(venv, 'bin', 'python') } })
    expect(result.exitCode).toBe(3)
    expect(result.stderr).toMatch(/cannot run teacache's Python side \(ModuleNotFoundError: No module named '(torch|numpy)'\); run `npm run setup:python`/)
  })
})
