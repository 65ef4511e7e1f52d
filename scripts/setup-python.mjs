#!/usr/bin/env node
// Creates the project's Python environment (.venv) on `npm install`: torch first (torch==2.13.0
// unless TEACACHE_TORCH names another spec: a requirement and any pip options after it, e.g.
// "torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu" for the CPU build on Linux
// x86_64, where PyPI's torch is the CUDA one), then requirements-dev.txt. Skipped when
// TEACACHE_PYTHON points at an interpreter you manage yourself (a CUDA build of torch, say), and
// when .venv already matches the requirement files and the torch spec.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const DEFAULT_TORCH = 'torch==2.13.0'

/**
 * pip's arguments for the torch spec, or null for "skip". pip keeps an installed torch whose
 * version matches, whatever its build, so a spec changed since the last setup (the CPU build
 * after PyPI's CUDA one, say) reinstalls it; `previous` is the spec .venv was made with (null:
 * a new .venv).
 */
export function torchInstallArgs(spec, previous) {
  if (spec.trim() === 'skip') return null
  const args = spec.trim().split(/\s+/)
  return previous !== null && previous.trim() !== spec.trim() ? ['--force-reinstall', ...args] : args
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const venv = join(root, '.venv')
const python = join(venv, process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python')
const stampFile = join(venv, '.teacache-requirements')
// The torch spec .venv was made with; a .venv from before this file had the default.
const torchFile = join(venv, '.teacache-torch')
const torchSpec = process.env.TEACACHE_TORCH ?? DEFAULT_TORCH
const log = (message) => process.stderr.write(`[teacache setup] ${message}\n`)

function run(command, args) {
  log(`${command} ${args.join(' ')}`)
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], cwd: root })
  if (result.error || result.status !== 0) {
    log(`failed: ${command} ${args.join(' ')} (${result.error?.message ?? `exit ${result.status}`})`)
    process.exit(1)
  }
}

function basePython() {
  const candidates = [process.env.TEACACHE_BASE_PYTHON, 'python3.11', 'python3.12', 'python3', 'python'].filter(Boolean)
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ['-c', 'import sys, venv; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' })
    if (probe.status !== 0) continue
    const [major, minor] = probe.stdout.trim().split('.').map(Number)
    if (major === 3 && minor >= 9) return candidate
  }
  log('no Python 3.9+ with venv found; install one or set TEACACHE_PYTHON to an interpreter with torch and diffusers')
  process.exit(1)
}

function main() {
  if (process.env.TEACACHE_PYTHON) {
    log(`TEACACHE_PYTHON=${process.env.TEACACHE_PYTHON}: using it, not creating .venv`)
    return
  }

  const stamp = createHash('sha256')
    .update(torchSpec)
    .update(readFileSync(join(root, 'requirements.txt')))
    .update(readFileSync(join(root, 'requirements-dev.txt')))
    .digest('hex')
  if (existsSync(python) && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === stamp) {
    log('.venv is up to date')
    return
  }

  if (existsSync(venv) && !existsSync(python)) rmSync(venv, { recursive: true, force: true })
  const previous = !existsSync(python) ? null : existsSync(torchFile) ? readFileSync(torchFile, 'utf8') : DEFAULT_TORCH
  if (!existsSync(python)) run(basePython(), ['-m', 'venv', venv])
  const pip = [python, '-m', 'pip', 'install', '--disable-pip-version-check', '--no-input']
  const torch = torchInstallArgs(torchSpec, previous)
  if (torch) run(pip[0], [...pip.slice(1), ...torch])
  run(pip[0], [...pip.slice(1), '-r', join(root, 'requirements-dev.txt')])
  writeFileSync(torchFile, `${torchSpec}\n`)
  writeFileSync(stampFile, `${stamp}\n`)
  log(`ready: ${python}`)
}

// Run on `npm install` (however the path to it was spelt); imported by the tests, it only defines torchInstallArgs.
const invoked = (() => {
  try {
    return Boolean(process.argv[1]) && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))
  } catch {
    return false
  }
})()
if (invoked) main()
