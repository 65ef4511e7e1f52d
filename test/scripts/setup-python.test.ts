import { join } from 'node:path'
import { execa } from 'execa'
import { describe, expect, it } from 'vitest'
// @ts-expect-error: a plain .mjs script, without types
import { DEFAULT_TORCH, torchInstallArgs } from '../../scripts/setup-python.mjs'
import { ROOT } from '../helpers/cli.ts'

const CPU = 'torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu'

describe('torchInstallArgs', () => {
  it.each([
    ['a new .venv, the default', DEFAULT_TORCH, null, ['torch==2.13.0']],
    ['a new .venv, the CPU build from PyTorch\'s index', CPU, null, ['torch==2.13.0', '--index-url', 'https://download.pytorch.org/whl/cpu']],
    ['extra spaces', `  ${CPU.replace(' ', '   ')}  `, null, ['torch==2.13.0', '--index-url', 'https://download.pytorch.org/whl/cpu']],
    // pip would keep the CUDA torch 2.13.0 as "already satisfied": the build must be replaced
    ['the CPU build into a .venv made with PyPI\'s', CPU, DEFAULT_TORCH, ['--force-reinstall', 'torch==2.13.0', '--index-url', 'https://download.pytorch.org/whl/cpu']],
    ['back to PyPI\'s', DEFAULT_TORCH, `${CPU}\n`, ['--force-reinstall', 'torch==2.13.0']],
    ['the same spec again (requirements changed)', CPU, `${CPU}\n`, ['torch==2.13.0', '--index-url', 'https://download.pytorch.org/whl/cpu']],
    ['skip', 'skip', DEFAULT_TORCH, null],
  ])('%s', (_, spec, previous, args) => {
    expect(torchInstallArgs(spec, previous)).toEqual(args)
  })
})

describe('setup-python.mjs as npm runs it', () => {
  it('runs its setup when invoked (here it stops at once: TEACACHE_PYTHON names an interpreter)', async () => {
    const result = await execa(process.execPath, [join(ROOT, 'scripts', 'setup-python.mjs')], { env: { TEACACHE_PYTHON: '/opt/python/bin/python3' }, reject: false })
    expect(result.exitCode).toBe(0)
    expect(result.stderr).toBe('[teacache setup] TEACACHE_PYTHON=/opt/python/bin/python3: using it, not creating .venv')
  })
})
