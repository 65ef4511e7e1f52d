#!/usr/bin/env node
// `npm test`: the type check, the vitest suite and the Python tests, in turn and always all three
// (a failure in one says nothing about the others), then one line per runner and a count.
// Exits 1 if any failed; on Ctrl-C or SIGTERM, stops the runner at work and starts no more.
import { spawn } from 'node:child_process'
import { mkdtempSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

export const RUNNERS = [
  { name: 'type check (tsc --noEmit)', args: [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit'] },
  { name: 'vitest', args: [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run'] },
  // pytest keeps its tmp_path folders in $TMPDIR/pytest-of-<user>: a folder of this run's own, removed after.
  { name: 'pytest', args: [join(root, 'scripts', 'pytest.mjs')], privateTemp: true },
]

const SIGNAL_CODES = { SIGINT: 130, SIGTERM: 143 }

/**
 * Runs each runner (`node ...args`) in turn, whatever the earlier ones gave; resolves to the exit
 * code for the whole suite. `write` receives the summary lines.
 */
export async function runSuite(runners, { write = (text) => process.stdout.write(text), cwd = root } = {}) {
  let current = null
  let stoppedBy = null
  const stop = (signal) => {
    stoppedBy = signal
    current?.kill(signal)
  }
  for (const signal of Object.keys(SIGNAL_CODES)) process.on(signal, stop)

  const results = []
  try {
    for (const runner of runners) {
      if (stoppedBy) break
      write(`\nteacache suite: ${runner.name}\n`)
      const temp = runner.privateTemp ? mkdtempSync(join(tmpdir(), 'tc-pytest-')) : null
      try {
        current = spawn(process.execPath, runner.args, { cwd, env: temp ? { ...process.env, TMPDIR: temp } : process.env, stdio: 'inherit' })
        results.push({ name: runner.name, code: await exitCode(current) })
      } finally {
        current = null
        if (temp) rmSync(temp, { recursive: true, force: true, maxRetries: 3 })
      }
    }
  } finally {
    for (const signal of Object.keys(SIGNAL_CODES)) process.off(signal, stop)
  }

  write('\n')
  for (const { name, code } of results) write(`teacache suite: ${name}: ${code === 0 ? 'passed' : `FAILED (exit ${code})`}\n`)
  for (const runner of runners.slice(results.length)) write(`teacache suite: ${runner.name}: not run (stopped by ${stoppedBy})\n`)
  const failed = results.filter((r) => r.code !== 0).length + runners.length - results.length
  write(`teacache suite: ${runners.length - failed} passed, ${failed} failed\n`)
  return stoppedBy ? SIGNAL_CODES[stoppedBy] : failed > 0 ? 1 : 0
}

/** A runner that could not start, or that a signal ended, failed too (128 + the signal's number, as a shell says). */
function exitCode(child) {
  return new Promise((resolve) => {
    child.once('error', (error) => {
      process.stderr.write(`teacache suite: could not start ${child.spawnargs.join(' ')}: ${error.message}\n`)
      resolve(127)
    })
    child.once('exit', (code, signal) => resolve(code ?? 128 + ({ SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }[signal] ?? 0)))
  })
}

// Run by `npm test` (however the path to it was spelt); imported by its test, it only defines runSuite.
const invoked = (() => {
  try {
    return Boolean(process.argv[1]) && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))
  } catch {
    return false
  }
})()
if (invoked) {
  // `npm test -- file` would otherwise run the whole suite anyway, with the file silently ignored.
  if (process.argv.length > 2) {
    process.stderr.write(`teacache suite: npm test takes no arguments (got ${process.argv.slice(2).join(' ')}); run one test file with npx vitest run <file>\n`)
    process.exit(2)
  }
  process.exit(await runSuite(RUNNERS))
}
