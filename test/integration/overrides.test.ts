import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { beforeAll, describe, expect, it } from 'vitest'
import type { RunRecord } from '../../src/run/record.ts'
import { teacache, tempDir } from '../helpers/cli.ts'
import { TINY_CONFIG } from '../helpers/configs.ts'

/**
 * One set of flags: the same override means the same thing on run, sweep (and its --devices
 * workers), plan and calibrate, and reaches what each writes. The config says 20 steps at 64x64x17
 * and guidance 6; the flags say otherwise.
 */
const SIZE = ['--steps', '6', '--height', '32', '--width', '48', '--frames', '9', '--guidance-scale', '5']
const WHERE = ['--device', 'cpu', '--dtype', 'float32']
const EXPECTED = { steps: 6, height: 32, width: 48, frames: 9, guidance_scale: 5, device: 'cpu', dtype: 'float32' }

const readJson = <T>(path: string) => JSON.parse(readFileSync(path, 'utf8')) as T
let dir: string
let config: string
beforeAll(() => {
  dir = tempDir('tc-overrides-')
  config = join(dir, 'c.yaml')
  writeFileSync(config, TINY_CONFIG)
})

async function ok(args: string[]) {
  const result = await teacache(args)
  expect(result.stderr).toBe('')
  expect(result.exitCode).toBe(0)
  return result
}

function expectRun(record: RunRecord) {
  expect(record.status).toBe('completed')
  expect(record.config).toMatchObject(EXPECTED)
  expect(record.steps).toHaveLength(6)
  expect(record.output).toMatchObject({ frames: 9, height: 32, width: 48 })
}

describe('the same overrides on every command', () => {
  it('run', async () => {
    const out = join(dir, 'run')
    await ok(['run', config, ...SIZE, ...WHERE, '--output', out, '--quiet', '--no-warmup'])
    expectRun(readJson<RunRecord>(join(out, 'run.json')))
  })

  it('sweep: sweep.json settings and every run', async () => {
    const out = join(dir, 'sweep')
    await ok(['sweep', config, ...SIZE, ...WHERE, '--thresholds', '1', '--output', out, '--quiet', '--no-warmup'])
    const manifest = readJson<{ settings: Record<string, unknown> }>(join(out, 'sweep.json'))
    expect(manifest.settings).toMatchObject({ steps: 6, height: 32, width: 48, frames: 9, guidance_scale: 5, dtype: 'float32' })
    for (const id of ['p0-s42/baseline', 'p0-s42/t1']) expectRun(readJson<RunRecord>(join(out, id, 'run.json')))
  })

  it('sweep --devices: the workers get the overrides too', async () => {
    const out = join(dir, 'workers')
    await ok(['sweep', config, ...SIZE, '--dtype', 'float32', '--thresholds', '1', '--devices', 'cpu', '--output', out, '--quiet', '--no-warmup'])
    for (const id of ['p0-s42/baseline', 'p0-s42/t1']) expectRun(readJson<RunRecord>(join(out, id, 'run.json')))
  })

  it('plan: the schedule has the overridden step count', async () => {
    const result = await ok(['plan', config, '--steps', '6', '--guidance-scale', '5', ...WHERE, '--thresholds', '0,1', '--json'])
    const entries = JSON.parse(result.stdout) as Array<{ computed_steps: number; skipped: number[] }>
    expect(entries).toHaveLength(2)
    for (const entry of entries) expect(entry.computed_steps + entry.skipped.length).toBe(6)
  })

  it('plan refuses the overrides that cannot change a plan, naming the commands that take them', async () => {
    const result = await teacache(['plan', config, '--height', '32'])
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toBe('teacache: --height: plan takes no such option (run, calibrate, sweep, tune and bench do); see teacache plan --help')
  })

  it('calibrate: the coefficients file records the overridden setting', async () => {
    const out = join(dir, 'k.yaml')
    await ok(['calibrate', config, ...SIZE, ...WHERE, '--output', out, '--quiet'])
    const file = parse(readFileSync(out, 'utf8')) as { fitted_on: Record<string, unknown> }
    expect(file.fitted_on).toMatchObject({ steps: 6, height: 32, width: 48, frames: 9, guidance_scale: 5, dtype: 'float32' })
  })
})
