import { spawnSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { TeacacheError } from '../errors.ts'

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
/** PYTHONPATH with teacache's Python package first: the bridge's and every `python -m teacache.*` child's. */
export const withTeacachePython = (path = process.env.PYTHONPATH) => [join(PROJECT_ROOT, 'python'), path].filter(Boolean).join(delimiter)
/** The CLI entry point, for commands that continue their work in a new process. */
export const BIN_PATH = join(PROJECT_ROOT, 'bin', 'teacache.mjs')

/**
 * The Python interpreter that runs the model: TEACACHE_PYTHON when set (an existing environment
 * with CUDA torch, say), else the project's own .venv made by scripts/setup-python.mjs.
 */
export function findPython(env: NodeJS.ProcessEnv = process.env): string {
  const chosen = env.TEACACHE_PYTHON
  const candidate = pythonPath(env)
  try {
    accessSync(candidate, constants.X_OK)
  } catch {
    throw new TeacacheError(
      'ENVIRONMENT',
      chosen
        ? `TEACACHE_PYTHON=${chosen} is not an executable Python interpreter`
        : `the Python environment is missing (${candidate}); run \`npm run setup:python\` or set TEACACHE_PYTHON to a Python with torch and diffusers`,
    )
  }
  // pythonia crashes Node (an unhandled EPIPE) when its interpreter is not Python: ask first.
  const probe = spawnSync(candidate, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8', timeout: 30_000 })
  const [major, minor] = (probe.stdout ?? '').trim().split('.').map(Number)
  if (probe.status !== 0 || major !== 3 || !(minor >= 9)) {
    throw new TeacacheError('ENVIRONMENT', `${candidate} is not a Python 3.9+ interpreter (${probe.error?.message ?? (probe.stderr?.trim() || `printed "${probe.stdout?.trim()}"`)})`)
  }
  return candidate
}

/** The interpreter findPython would check, named without checking or starting it. */
export function pythonPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.TEACACHE_PYTHON ? resolve(env.TEACACHE_PYTHON) : join(PROJECT_ROOT, '.venv', process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python')
}
