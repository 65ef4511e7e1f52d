import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { execa, execaSync } from 'execa'
import { describe, expect, it } from 'vitest'
import type { RunRecord } from '../../src/run/record.ts'
import { BIN, ROOT, teacache, tempDir } from '../helpers/cli.ts'
import { TINY_CONFIG } from '../helpers/configs.ts'

/** Faults during a run of the tiny model: the run folder always ends consistent and says what happened. */
const tiny = TINY_CONFIG
const readRun = (dir: string) => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunRecord

/**
 * A run slow enough to be hit while it works: 600 steps at 128x128 denoise for about 2 s here, and
 * the first progress shows after a tenth of them, so a signal sent then still finds it denoising on
 * a loaded or faster machine.
 */
function slowConfig(dir: string, steps = 600, size = 128): string {
  const file = join(dir, 'slow.yaml')
  writeFileSync(file, tiny.replace('steps: 20', `steps: ${steps}`).replace('height: 64', `height: ${size}`).replace('width: 64', `width: ${size}`))
  return file
}

/** The pythonia child (its script is interface.py), not tsx's esbuild service. */
const pythonChildOf = (pid: number) =>
  execaSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { reject: false })
    .stdout.split('\n')
    .filter((line) => line.includes('interface.py'))
    .map((line) => Number(line.trim().split(/\s+/)[0]))[0]
const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Start a run and resolve once it reports denoising progress, with the Python child's pid. */
async function startSlowRun(out: string) {
  const dir = tempDir('tc-fault-')
  const child = execa(process.execPath, [BIN, 'run', slowConfig(dir), '--output', out], { reject: false, stdin: 'ignore', env: {} })
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (/step \d+\/600/.test(chunk.toString())) resolve()
    })
    void child.then(() => reject(new Error('the run ended before it reported progress')))
  })
  const python = pythonChildOf(child.pid!)
  expect(python).toBeGreaterThan(0)
  return { child, python }
}

describe('faults during a run', () => {
  it('Python killed with SIGKILL mid-run: noticed within a second, run marked failed', async () => {
    const out = join(tempDir(), 'run')
    const { child, python } = await startSlowRun(out)
    const killedAt = performance.now()
    process.kill(python, 'SIGKILL')
    const result = await child
    // Node's exit includes writing run.json; noticing the death is the first part of that.
    expect(performance.now() - killedAt).toBeLessThan(1500)
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toMatch(/teacache: the Python process \(pid \d+\) exited unexpectedly \(signal SIGKILL\)/)
    expect(readRun(out)).toMatchObject({ status: 'failed', error: { code: 'PYTHON_DIED' } })
  })

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s to teacache: Python stopped, run marked interrupted, exit %d', async (signal, code) => {
    const out = join(tempDir(), 'run')
    const { child, python } = await startSlowRun(out)
    child.kill(signal)
    const result = await child
    expect(result.exitCode).toBe(code)
    expect(result.stderr).toMatch(new RegExp(`teacache: interrupted by ${signal}`))
    expect(alive(python)).toBe(false)
    const record = readRun(out)
    expect(record.status).toBe('interrupted')
    expect(record.steps.length).toBeGreaterThan(0)
    expect(record.steps.length).toBeLessThan(600)
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
    // calibrate mid-denoise; plan while its model loads (its measuring is quick).
    { command: 'calibrate', signal: 'SIGINT', code: 130, once: /step \d+\/600/, says: /; nothing written to \S*c\.json or \S*c\.svg$/ },
    { command: 'plan', signal: 'SIGTERM', code: 143, once: /✔ Start Python/, says: /; no plan printed$/ },
  ] as const)('$signal to $command: Python stopped, exit $code, one line saying so, nothing written', async ({ command, signal, code, once, says }) => {
    const dir = tempDir('tc-signal-')
    const args = command === 'calibrate' ? ['calibrate', slowConfig(dir), '--output', join(dir, 'c.json')] : ['plan', slowConfig(dir)]
    const child = execa(process.execPath, [BIN, ...args], { reject: false, stdin: 'ignore', env: {} })
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => once.test(chunk.toString()) && resolve())
      void child.then(() => reject(new Error(`${command} ended before the signal`)))
    })
    const python = pythonChildOf(child.pid!)
    expect(python).toBeGreaterThan(0)
    child.kill(signal)
    const result = await child
    expect(result.exitCode).toBe(code)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stderr).toMatch(new RegExp(`^teacache: interrupted by ${signal}`))
    expect(result.stderr.trim()).toMatch(says)
    expect(result.stdout).not.toMatch(/threshold/i)
    expect(alive(python)).toBe(false)
    expect(readdirSync(dir)).toEqual(['slow.yaml'])
  })
})

describe('faults during a sweep', () => {
  it('Python killed mid-sweep with --restarts 1: a new process resumes and finishes every run', async () => {
    const dir = tempDir('tc-fault-')
    const out = join(dir, 'sweep')
    const child = execa(process.execPath, [BIN, 'sweep', slowConfig(dir, 150, 64), '--thresholds', '1', '--restarts', '1', '--output', out], { reject: false, stdin: 'ignore', env: {} })
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        if (/step \d+\/150/.test(chunk.toString())) resolve()
      })
      void child.then(() => reject(new Error('the sweep ended before it reported progress')))
    })
    process.kill(pythonChildOf(child.pid!), 'SIGKILL')
    const result = await child
    expect(result.stderr).toMatch(/exited unexpectedly \(signal SIGKILL\)[\s\S]*resuming the sweep in a new process \(0 restart\(s\) left/)
    expect(result.exitCode).toBe(0)
    for (const id of ['p0-s42/baseline', 'p0-s42/t1']) expect(readRun(join(out, id)).status).toBe('completed')
    expect(existsSync(join(out, 'REPORT.md'))).toBe(true)
  })
})
