import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'
import { describe, expect, it } from 'vitest'
import type { RunRecord } from '../../src/run/record.ts'
import { BIN, removeLater, teacache, tempDir } from '../helpers/cli.ts'
import { TINY_CONFIG } from '../helpers/configs.ts'
import { hold } from '../helpers/hold.ts'
import { alive } from '../helpers/processes.ts'

/** Faults during a run of the tiny model: the run folder always ends consistent and says what happened. */
const tiny = TINY_CONFIG
const readRun = (dir: string) => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunRecord

/** A short run: the test-only hold (test/helpers/hold.ts), not its length, keeps it mid-run when the fault lands. */
function shortConfig(dir: string, steps = 4): string {
  const file = join(dir, 'short.yaml')
  writeFileSync(file, tiny.replace('steps: 20', `steps: ${steps}`))
  return file
}

/** Python's log is kept, and named, when Python died: it is the test's to remove. */
function removeNamedLog(stderr: string): void {
  const log = /exited unexpectedly \([^)]*\); see (\S+)$/m.exec(stderr)?.[1]
  if (log) removeLater(log)
}

/**
 * Start a run and resolve once it holds after its second step, with the Python's pid. No warm-up:
 * the loop that holds is the timed generation's, whose steps run.json records.
 */
async function startHeldRun(out: string) {
  const held = hold(1)
  const child = execa(process.execPath, [BIN, 'run', shortConfig(tempDir('tc-fault-')), '--output', out, '--no-warmup'], { reject: false, stdin: 'ignore', env: held.env })
  const [python] = await held.reached(child)
  return { child, python }
}

describe('faults during a run', () => {
  it('Python killed with SIGKILL mid-run: noticed, run marked failed', async () => {
    const out = join(tempDir(), 'run')
    const { child, python } = await startHeldRun(out)
    process.kill(python, 'SIGKILL')
    // A death that went unnoticed would leave the run waiting for Python for ever: the test's timeout says so.
    const result = await child
    removeNamedLog(String(result.stderr))
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toMatch(new RegExp(`teacache: the Python process \\(pid ${python}\\) exited unexpectedly \\(signal SIGKILL\\)`))
    expect(readRun(out)).toMatchObject({ status: 'failed', error: { code: 'PYTHON_DIED' } })
  })

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s to teacache: Python stopped, run marked interrupted, exit %d', async (signal, code) => {
    const out = join(tempDir(), 'run')
    const { child, python } = await startHeldRun(out)
    child.kill(signal)
    const result = await child
    expect(result.exitCode).toBe(code)
    expect(result.stderr).toMatch(new RegExp(`teacache: interrupted by ${signal}`))
    expect(alive(python)).toBe(false)
    const record = readRun(out)
    expect(record.status).toBe('interrupted')
    expect(record.steps.length).toBeGreaterThan(0)
    expect(record.steps.length).toBeLessThan(4)
  })

  it('ffmpeg missing: a clear error and the lossless frames kept', async () => {
    const out = join(tempDir(), 'run')
    const result = await teacache(['run', 'configs/tiny.yaml', '--steps', '4', '--output', out], { env: { FFMPEG_PATH: '/nonexistent/ffmpeg' } })
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toMatch(/teacache: encoding .*video\.mp4 failed: ffmpeg not found at \/nonexistent\/ffmpeg\. The lossless frames are kept in .*frames/)
    expect(readdirSync(join(out, 'frames'))).toHaveLength(17)
    expect(readdirSync(out).sort()).toEqual(['frames', 'run.json'])
    expect(readRun(out)).toMatchObject({ status: 'failed', error: { code: 'FFMPEG' }, output: { video: null, frames_dir: 'frames', frames: 17 } })
  })

  it('a Python exception: type and message plainly, the traceback in the run folder', async () => {
    const dir = tempDir()
    const image = join(dir, 'broken.png')
    writeFileSync(image, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('not really a png')]))
    const out = join(dir, 'run')
    const result = await teacache(['run', 'configs/tiny-i2v.yaml', '--image', image, '--steps', '4', '--output', out])
    expect(result.exitCode).toBe(1)
    // PIL reads the signature, then fails on the body: its error type and message, nothing else.
    expect(result.stderr).toMatch(/^teacache: (OSError|UnidentifiedImageError): .+$/m)
    expect(result.stderr).not.toMatch(/\x1b\[/)
    expect(readFileSync(join(out, 'error.txt'), 'utf8')).toMatch(/Traceback \(most recent call last\)/)
    expect(readRun(out)).toMatchObject({ status: 'failed', error: { code: 'PYTHON' } })
  })

  it('prompts are data: quotes, newlines and shell characters reach the model unchanged', async () => {
    const prompt = `a "quoted" cat; rm -rf / $(touch /tmp/pwned) \`id\` 'single'\nsecond line & | > <`
    const out = join(tempDir(), 'run')
    const result = await teacache(['run', 'configs/tiny.yaml', '--steps', '3', '--prompt', prompt, '--output', out])
    expect(result.exitCode).toBe(0)
    expect(readRun(out).config.prompt).toBe(prompt)
    expect(existsSync('/tmp/pwned')).toBe(false)
  })
})

describe('signals to the commands that write only once they finish', () => {
  it.each([
    // calibrate mid-denoise; plan mid-way through measuring the indicator.
    { command: 'calibrate', signal: 'SIGINT', code: 130, says: /; nothing written to \S*c\.json or \S*c\.svg$/ },
    { command: 'plan', signal: 'SIGTERM', code: 143, says: /; no plan printed$/ },
  ] as const)('$signal to $command: Python stopped, exit $code, one line saying so, nothing written', async ({ command, signal, code, says }) => {
    const dir = tempDir('tc-signal-')
    // calibrate's own check wants at least 6 steps for one prompt.
    const config = shortConfig(dir, 8)
    const args = command === 'calibrate' ? ['calibrate', config, '--output', join(dir, 'c.json')] : ['plan', config]
    const held = hold(1)
    const child = execa(process.execPath, [BIN, ...args], { reject: false, stdin: 'ignore', env: held.env })
    const [python] = await held.reached(child)
    child.kill(signal)
    const result = await child
    expect(result.exitCode).toBe(code)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stderr).toMatch(new RegExp(`^teacache: interrupted by ${signal}`))
    expect(result.stderr.trim()).toMatch(says)
    expect(result.stdout).not.toMatch(/threshold/i)
    expect(alive(python)).toBe(false)
    expect(readdirSync(dir)).toEqual(['short.yaml'])
  })
})

describe('faults during a sweep', () => {
  it('Python killed mid-sweep with --restarts 1: a new process resumes and finishes every run', async () => {
    const dir = tempDir('tc-fault-')
    const out = join(dir, 'sweep')
    const held = hold(1)
    const child = execa(process.execPath, [BIN, 'sweep', shortConfig(dir), '--thresholds', '1', '--restarts', '1', '--output', out], { reject: false, stdin: 'ignore', env: held.env })
    const [python] = await held.reached(child)
    process.kill(python, 'SIGKILL')
    // The new process's Python must not stop at the hold too.
    held.release()
    const result = await child
    removeNamedLog(String(result.stderr))
    expect(result.stderr).toMatch(/exited unexpectedly \(signal SIGKILL\)[\s\S]*resuming the sweep in a new process \(0 restart\(s\) left/)
    expect(result.exitCode).toBe(0)
    for (const id of ['p0-s42/baseline', 'p0-s42/t1']) expect(readRun(join(out, id)).status).toBe('completed')
    expect(existsSync(join(out, 'REPORT.md'))).toBe(true)
  })
})
