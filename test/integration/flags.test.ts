import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'
import { afterEach, describe, expect, it } from 'vitest'
import { BIN, ROOT, pythonTripwire, tempDir } from '../helpers/cli.ts'
import { TINY_CONFIG } from '../helpers/configs.ts'
import { releaseFifo } from '../helpers/fifo.ts'
import { alive, until } from '../helpers/processes.ts'

/**
 * Flag values and input files that used to be taken for something else (issue 17, items 5 to 8),
 * as a user meets them: the real CLI in a child process. Bad input ends in exit 2 with one line
 * naming the flag or file, nothing written, and Python never started.
 */

/** The CLI, killed if it ever waits on something that never comes (a FIFO read blocking): a regression fails, never hangs. */
async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = await execa(process.execPath, [BIN, ...args], { cwd: ROOT, env, reject: false, stdin: 'ignore', timeout: 120_000, forceKillAfterDelay: 2000 })
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr), timedOut: result.timedOut }
}

/** A folder with config.yaml (and whatever `files` adds); the case's own paths are relative to it. */
function folder(config = TINY_CONFIG): string {
  const dir = tempDir('tc-flags-')
  writeFileSync(join(dir, 'config.yaml'), config)
  return dir
}

type Case = { name: string; args: (dir: string) => string[]; message: (dir: string) => string; config?: string; fifo?: string }

/** Runs a case and checks the whole contract of bad input. */
async function refused({ args, message, config, fifo }: Case): Promise<void> {
  const dir = folder(config)
  if (fifo) execFileSync('mkfifo', [join(dir, fifo)])
  const before = readdirSync(dir).sort()
  const trip = pythonTripwire()
  const result = await cli(args(dir), trip.env)
  expect(result.timedOut).toBe(false)
  expect(result.stderr).toBe(`teacache: ${message(dir)}`)
  expect(result.exitCode).toBe(2)
  expect(result.stdout).toBe('')
  expect(readdirSync(dir).sort()).toEqual(before)
  expect(trip.started()).toBe(false)
}

const config = (dir: string) => join(dir, 'config.yaml')
const out = (dir: string) => join(dir, 'out')

describe('an empty flag value (an unset shell variable) is refused, naming the flag', () => {
  it.each<Case>([
    { name: 'run --output ""', args: (d) => ['run', config(d), '--output', ''], message: () => '--output: expected a value (--output <dir>), got an empty value' },
    { name: 'sweep --output=', args: (d) => ['sweep', config(d), '--output='], message: () => '--output: expected a value (--output <dir>), got an empty value' },
    { name: 'plan --from-run ""', args: (d) => ['plan', config(d), '--from-run', ''], message: () => '--from-run: expected a value (--from-run <dir>), got an empty value' },
    { name: 'calibrate --prompts ""', args: (d) => ['calibrate', config(d), '--prompts', ''], message: () => '--prompts: expected a value (--prompts <file>), got an empty value' },
    { name: 'run --steps=""', args: (d) => ['run', config(d), '--output', out(d), '--steps='], message: () => '--steps: expected a value (--steps <n>), got an empty value' },
    { name: 'report ""', args: () => ['report', ''], message: () => '<sweep-dir>: expected a value, got an empty value' },
  ])('$name', refused)
})

describe('messages say what is wrong', () => {
  const known = (method: string) =>
    method === 'pab' ? 'spatial_attention_block_skip_range, spatial_attention_timestep_skip_range' : 'threshold'
  it.each<Case>([
    { name: '--methods pab:constructor=3', args: (d) => ['sweep', config(d), '--output', out(d), '--methods', 'pab:constructor=3'], message: () => `--methods: pab: unknown parameter constructor; expected ${known('pab')}` },
    { name: '--methods fbc:__proto__=0.9', args: (d) => ['sweep', config(d), '--output', out(d), '--methods', 'fbc:__proto__=0.9'], message: () => `--methods: fbc: unknown parameter __proto__; expected ${known('fbc')}` },
    { name: '--compile none,none', args: (d) => ['sweep', config(d), '--output', out(d), '--compile', 'none,none'], message: () => '--compile: none is listed twice; every run of a sweep must differ' },
    { name: '--seeds 1,01', args: (d) => ['sweep', config(d), '--output', out(d), '--seeds', '1,01'], message: () => '--seeds: 1 is listed twice; every run of a sweep must differ' },
  ])('$name', refused)
})

describe('smaller holes', () => {
  it.each<Case>([
    { name: '--restarts=-1', args: (d) => ['sweep', config(d), '--output', out(d), '--restarts=-1'], message: () => '--restarts: expected an integer of 0 or more, got "-1"' },
    { name: '--devices 0,00', args: (d) => ['sweep', config(d), '--output', out(d), '--devices', '0,00'], message: () => '--devices: GPU 0 is listed twice (as 0 and 00); one worker per GPU' },
  ])('$name', refused)

  describe('an input file that is a FIFO with no writer is refused at once', () => {
    const fifos: string[] = []
    // A product that opened it blocking would be waiting in the child: this lets it go.
    afterEach(() => fifos.splice(0).forEach(releaseFifo))
    const fifoCase = (c: Case): Case => ({
      ...c,
      args: (d) => (fifos.push(join(d, c.fifo!)), c.args(d)),
    })
    const i2v = TINY_CONFIG.replace('model: tiny', 'model: tiny-i2v').replace('seed: 42', 'seed: 42\nimage: first-frame.fifo')

    const cases: Case[] = [
      { name: 'the config', fifo: 'fifo.yaml', args: (d) => ['run', join(d, 'fifo.yaml'), '--output', out(d)], message: (d) => `${join(d, 'fifo.yaml')}: cannot read the config (a FIFO (named pipe), not a regular file)` },
      { name: 'sweep --prompts', fifo: 'prompts.txt', args: (d) => ['sweep', config(d), '--output', out(d), '--prompts', join(d, 'prompts.txt')], message: (d) => `--prompts: cannot read ${join(d, 'prompts.txt')} (a FIFO (named pipe), not a regular file)` },
      {
        name: 'sweep.prompts in the config', fifo: 'prompts.txt', config: `${TINY_CONFIG}sweep:\n  prompts: prompts.txt\n`,
        args: (d) => ['sweep', config(d), '--output', out(d)], message: (d) => `${config(d)}: sweep.prompts: cannot read ${join(d, 'prompts.txt')} (a FIFO (named pipe), not a regular file)`,
      },
      { name: 'calibrate --prompts', fifo: 'prompts.txt', args: (d) => ['calibrate', config(d), '--output', join(d, 'c.yaml'), '--prompts', join(d, 'prompts.txt')], message: (d) => `--prompts: ${join(d, 'prompts.txt')} cannot be read (a FIFO (named pipe), not a regular file)` },
      {
        name: '--coefficients', fifo: 'coefficients.yaml', args: (d) => ['run', config(d), '--output', out(d), '--coefficients', join(d, 'coefficients.yaml')],
        message: (d) => `--coefficients: ${join(d, 'coefficients.yaml')} cannot be read (a FIFO (named pipe), not a regular file); expected a file written by teacache calibrate`,
      },
      {
        name: 'MagCache ratios', fifo: 'ratios.yaml', args: (d) => ['sweep', config(d), '--output', out(d), '--methods', `magcache:ratios=${join(d, 'ratios.yaml')}`],
        message: (d) => `--methods: ratios: ${join(d, 'ratios.yaml')} cannot be read (a FIFO (named pipe), not a regular file); expected a file written by teacache calibrate`,
      },
      { name: 'the image', fifo: 'first-frame.fifo', config: i2v, args: (d) => ['run', config(d), '--output', out(d)], message: (d) => `image: ${join(d, 'first-frame.fifo')} is not a file` },
    ]
    it.each(cases.map(fifoCase))('$name', refused)
  })
})

/** Passes the version probe, then hangs once it has read the import request: Node's start-up deadline is then running. */
function hangingPython(): { path: string; pidFile: string } {
  const dir = tempDir('tc-hang-')
  const path = join(dir, 'python')
  const pidFile = join(dir, 'pid')
  // fd 3 is pythonia's IPC channel: a hello line, then the import of teacache.bridge.
  writeFileSync(path, `#!/bin/sh\nif [ "$1" = "-c" ]; then echo 3.11; exit 0; fi\n{ read -r hello; read -r request; } <&3\necho $$ > "${pidFile}.tmp"\nmv "${pidFile}.tmp" "${pidFile}"\nexec sleep 600\n`)
  chmodSync(path, 0o755)
  return { path, pidFile }
}

describe('TEACACHE_START_TIMEOUT beyond what one timer holds', () => {
  it('3000000 s waits: the start-up is still running when stopped, with no TimeoutOverflowWarning', async () => {
    const python = hangingPython()
    const child = execa(process.execPath, [BIN, 'run', 'configs/tiny.yaml', '--output', join(tempDir('tc-flags-'), 'run')], {
      cwd: ROOT, reject: false, stdin: 'ignore', timeout: 120_000, env: { TEACACHE_PYTHON: python.path, TEACACHE_START_TIMEOUT: '3000000' },
    })
    await until(() => existsSync(python.pidFile) || child.exitCode !== null)
    expect(existsSync(python.pidFile)).toBe(true)
    child.kill('SIGTERM')
    const result = await child
    expect(String(result.stderr)).not.toMatch(/TimeoutOverflowWarning|did not finish starting/)
    expect(result.exitCode).toBe(143)
    const pid = Number(readFileSync(python.pidFile, 'utf8'))
    await until(() => !alive(pid))
  })

  it('the deadline is the only bound: pythonia\'s own call timeout (REQ_TIMEOUT, 100 s) does not cut a longer one short', async () => {
    const python = hangingPython()
    // REQ_TIMEOUT stands in for pythonia's 100 s at a test's scale: below the deadline, it must not end the wait.
    const result = await cli(['run', 'configs/tiny.yaml', '--output', join(tempDir('tc-flags-'), 'run')], { TEACACHE_PYTHON: python.path, TEACACHE_START_TIMEOUT: '1', REQ_TIMEOUT: '200' })
    expect(result.stderr).toBe(
      `teacache: ${python.path} did not finish starting within 1 s (still waiting for the import of teacache.bridge: torch, diffusers); ` +
        'if it is only slow (torch from a cold disk), set TEACACHE_START_TIMEOUT=<seconds> to wait longer',
    )
    expect(result.exitCode).toBe(3)
  })
})
