#!/usr/bin/env node
// Runs the Python mechanism tests with the interpreter teacache itself uses.
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const python = process.env.TEACACHE_PYTHON ?? join(root, '.venv', 'bin', 'python')
const result = spawnSync(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', join(root, 'python', 'tests'), ...process.argv.slice(2)], { stdio: 'inherit', cwd: root })
process.exit(result.status ?? 1)
