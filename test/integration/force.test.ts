import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { RunRecord } from '../../src/run/record.ts'
import { ROOT, pythonTripwire, teacache, tempDir } from '../helpers/cli.ts'
import { TINY_CONFIG } from '../helpers/configs.ts'

/**
 * --force replaces only what teacache made, recognised from its own files; it never removes the
 * current directory, or a folder holding the config or its coefficients file. Every refusal is
 * exit 2 with the reason, before Python starts, and leaves every file as it was.
 */
const tiny = TINY_CONFIG.replace('steps: 20', 'steps: 2')

/** A folder of someone's work: a document and a sub-folder. */
function userFolder(dir: string): string {
  mkdirSync(join(dir, 'drafts'), { recursive: true })
  writeFileSync(join(dir, 'thesis.docx'), 'my thesis')
  writeFileSync(join(dir, 'drafts', 'v1.txt'), 'draft')
  return dir
}
const listing = (dir: string) => readdirSync(dir, { recursive: true }).map(String).sort()

describe('--force', () => {
  it.each([
    {
      what: 'a folder of unrelated files',
      setup: (dir: string) => ({ cwd: dir, out: userFolder(join(dir, 'mine')), config: join(dir, 'c.yaml') }),
      reason: /it holds files teacache did not write \((drafts, thesis\.docx|thesis\.docx, drafts)\)/,
    },
    {
      what: 'the current directory holding the config (--output .)',
      setup: (dir: string) => ({ cwd: dir, out: '.', config: join(dir, 'c.yaml') }),
      reason: /it is the current directory/,
    },
    {
      what: 'a parent of the current directory',
      setup: (dir: string) => {
        mkdirSync(join(dir, 'work', 'sub'), { recursive: true })
        return { cwd: join(dir, 'work', 'sub'), out: join(dir, 'work'), config: join(dir, 'c.yaml') }
      },
      reason: /it holds the current directory/,
    },
    {
      what: 'a folder holding the config',
      setup: (dir: string) => {
        mkdirSync(join(dir, 'cfg'))
        return { cwd: dir, out: join(dir, 'cfg'), config: join(dir, 'cfg', 'c.yaml') }
      },
      reason: /it holds the config/,
    },
    {
      what: 'a folder holding the coefficients file',
      setup: (dir: string) => {
        mkdirSync(join(dir, 'coef'))
        copyFileSync(join(ROOT, 'configs', 'coefficients', 'tiny.yaml'), join(dir, 'coef', 'fit.yaml'))
        return { cwd: dir, out: join(dir, 'coef'), config: join(dir, 'c.yaml'), coefficients: join(dir, 'coef', 'fit.yaml') }
      },
      reason: /it holds its coefficients file/,
    },
  ])('refuses $what with exit 2, touching nothing and starting no Python', async ({ setup, reason }) => {
    const dir = tempDir('tc-force-')
    const { cwd, out, config, coefficients } = setup(dir) as { cwd: string; out: string; config: string; coefficients?: string }
    writeFileSync(config, tiny)
    const before = listing(dir)
    const trip = pythonTripwire()
    const args = ['run', config, '--output', out, '--force', ...(coefficients ? ['--coefficients', coefficients] : [])]
    const result = await teacache(args, { cwd, env: trip.env })
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(/^teacache: --output: --force replaces only a run folder teacache made, and .* is not one: /)
    expect(result.stderr).toMatch(reason)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(listing(dir)).toEqual(before)
    expect(trip.started()).toBe(false)
  })

  it('replaces a run folder teacache made, and only its own files', async () => {
    const dir = tempDir('tc-force-')
    const config = join(dir, 'c.yaml')
    writeFileSync(config, tiny)
    const out = join(dir, 'run')
    mkdirSync(join(out, 'frames'), { recursive: true })
    writeFileSync(join(out, 'run.json'), JSON.stringify({ format: 'teacache-run/1', status: 'failed', started_at: 'earlier' }))
    writeFileSync(join(out, 'error.txt'), 'Traceback')
    for (let i = 0; i < 20; i++) writeFileSync(join(out, 'frames', `frame_${String(i).padStart(5, '0')}.png`), 'old frame')
    const result = await teacache(['run', config, '--output', out, '--force', '--quiet'])
    expect(result.exitCode).toBe(0)
    expect(readdirSync(out).sort()).toEqual(['frames', 'run.json', 'video.mp4'])
    expect(readdirSync(join(out, 'frames'))).toHaveLength(17)
    const record = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunRecord
    expect(record.status).toBe('completed')
    expect(record.started_at).not.toBe('earlier')
  })

  it('sweep --force refuses a folder without a sweep.json, with exit 2 and its files untouched', async () => {
    const dir = tempDir('tc-force-')
    const config = join(dir, 'c.yaml')
    writeFileSync(config, tiny)
    const out = userFolder(join(dir, 'mine'))
    const before = listing(dir)
    const trip = pythonTripwire()
    const result = await teacache(['sweep', config, '--output', out, '--force', '--thresholds', '1'], { env: trip.env })
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(/^teacache: --output: .*mine is not empty and holds no sweep\.json; --force redoes runs only in a sweep folder teacache made/)
    expect(listing(dir)).toEqual(before)
    expect(trip.started()).toBe(false)
  })

  it.each([
    { what: 'a YAML file that is not a coefficients file', target: (dir: string) => join(dir, 'notes.yaml'), reason: /it has no "format: teacache-coefficients\/1" line/ },
    { what: 'the config itself', target: (dir: string) => join(dir, 'c.yaml'), reason: /it is the config/ },
  ])('calibrate --force refuses to write over $what', async ({ target, reason }) => {
    const dir = tempDir('tc-force-')
    const config = join(dir, 'c.yaml')
    writeFileSync(config, tiny.replace('steps: 2', 'steps: 8'))
    writeFileSync(join(dir, 'notes.yaml'), 'todo: [buy tea]\n')
    const before = listing(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')])
    const trip = pythonTripwire()
    const result = await teacache(['calibrate', config, '--output', target(dir), '--force'], { env: trip.env })
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(/^teacache: --output: --force replaces only files teacache calibrate wrote, and .* is not one: /)
    expect(result.stderr).toMatch(reason)
    expect(listing(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')])).toEqual(before)
    expect(trip.started()).toBe(false)
  })
})
