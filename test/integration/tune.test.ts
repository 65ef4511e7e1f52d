import { readFileSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { RunRecord } from '../../src/run/record.ts'
import type { TuneRecord } from '../../src/tune/output.ts'
import { loadConfig } from '../../src/config/load.ts'
import { everySchedule } from '../../src/plan/plan.ts'
import { coefficientsForRun } from '../../src/policy/coefficients-file.ts'
import { pythonTripwire, ROOT, teacache, tempDir } from '../helpers/cli.ts'

/**
 * `teacache tune` on the tiny T2V and I2V models (8 steps, CPU). The tiny models' PSNR is 48-55 dB
 * at every threshold, so each test sets its gate from a full sweep's own values: the gate at a
 * schedule k below which quality only falls, so the full sweep's choice is k, and tune must find
 * the same schedule in at most 1 + ⌈log2 (S + 1)⌉ generations.
 */
const work = tempDir('tc-tune-')
const readJson = <T>(path: string) => JSON.parse(readFileSync(path, 'utf8')) as T

function config(name: 'tiny' | 'tiny-i2v'): string {
  const dir = join(work, name)
  mkdirSync(join(dir, 'coefficients'), { recursive: true })
  for (const file of [`coefficients/${name}.yaml`, 'first-frame.png']) copyFileSync(join(ROOT, 'configs', file), join(dir, file))
  const text = readFileSync(join(ROOT, 'configs', `${name}.yaml`), 'utf8').replace(/^steps: \d+$/m, 'steps: 8').replace(/^dtype: float32$/m, 'dtype: float32\nthreads: 1')
  writeFileSync(join(dir, `${name}.yaml`), text)
  return join(dir, `${name}.yaml`)
}

const ok = (r: { exitCode: number; stderr: string }) => expect([r.exitCode, r.stderr.split('\n').filter((l) => l.startsWith('teacache:') && !l.startsWith('teacache: warning:')).join('\n')]).toEqual([0, ''])

describe.each(['tiny', 'tiny-i2v'] as const)('teacache tune on %s', (name) => {
  it('chooses what a full sweep of every distinct schedule chooses, within the bisection\'s cost; tuned.yaml runs that schedule', async () => {
    const cfg = config(name)
    const full = join(work, `${name}-full`)
    // Every distinct schedule, as tune finds them: plan's replay of a baseline's recorded indicator.
    ok(await teacache(['sweep', cfg, '--thresholds', '0.1', '--repeats', '1', '--no-warmup', '--output', full, '--quiet']))
    const baseline = readJson<RunRecord>(join(full, 'p0-s42/baseline/run.json'))
    const loaded = await loadConfig(cfg)
    const coefficients = coefficientsForRun(loaded, { version: '1.5', task: name === 'tiny' ? 't2v' : 'i2v', num_layers: 2, num_attention_heads: 2, transformer_class: 'CogVideoXTransformer3DModel', model: name } as never).coefficients
    const schedules = everySchedule(coefficients, baseline.steps.map((s) => s.distance), null).filter((e) => e.skipped.length > 0)
    expect(schedules.length).toBeGreaterThan(2)
    ok(await teacache(['sweep', cfg, '--thresholds', ['0.1', ...schedules.map((s) => String(s.threshold))].join(','), '--repeats', '1', '--no-warmup', '--output', full, '--quiet']))
    const psnr = schedules.map((s) => readJson<{ psnr: number }>(join(full, 'p0-s42', `t${s.threshold}`, 'quality.json')).psnr)
    // A schedule below which quality only falls, and above which it never rose past it.
    const cuts = psnr.map((p, k) => (psnr.slice(0, k + 1).every((q) => q >= p) && psnr.slice(k + 1).every((q) => q < p) ? k : -1)).filter((k) => k >= 0)
    expect(cuts.length).toBeGreaterThan(0)
    const k = cuts[cuts.length >> 1]
    const gate = `psnr>=${(psnr[k] - 1e-6).toFixed(6)}`

    const out = join(work, `${name}-tune`)
    const tuned = await teacache(['tune', cfg, '--gate', gate, '--repeats', '1', '--no-warmup', '--output', out])
    ok(tuned)
    const record = readJson<TuneRecord>(join(out, 'tune.json'))
    expect(record.cost.schedules).toBe(schedules.length)
    expect(record.choice?.threshold).toBe(schedules[k].threshold)
    expect(record.cost.generations).toBeLessThanOrEqual(record.cost.bound + (record.violations.length ? 2 : 0))
    expect(record.cost.bound).toBe(1 + Math.ceil(Math.log2(schedules.length + 1)))
    expect(readFileSync(join(out, 'REPORT.md'), 'utf8')).toContain('## Tuning')

    const run = join(work, `${name}-run`)
    ok(await teacache(['run', join(out, 'tuned.yaml'), '--output', run, '--quiet', '--no-warmup']))
    const made = readJson<RunRecord>(join(run, 'run.json'))
    expect(made.steps.filter((s) => !s.computed).map((s) => s.index)).toEqual(schedules[k].skipped)
  })
})

describe('teacache tune: errors and the held-out check', () => {
  it.each([
    ['vmaf>=90', /--gate: unknown metric "vmaf"/],
    ['ssim>=2', /--gate: ssim>=2 is impossible/],
    ['psnr<=30', /--gate: psnr must be at least a value/],
  ])('a bad gate (%s) is exit 2 before Python starts', async (gate, message) => {
    const trip = pythonTripwire()
    const result = await teacache(['tune', config('tiny'), '--gate', gate, '--output', join(work, 'bad')], { env: trip.env })
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(message)
    expect(trip.started()).toBe(false)
  })

  it('LPIPS in the gate without its weights is exit 2 naming what is missing and the command that fetches it', async () => {
    const trip = pythonTripwire()
    const result = await teacache(['tune', config('tiny'), '--gate', 'lpips<=0.1', '--output', join(work, 'nolpips')], { env: { ...trip.env, TORCH_HOME: join(work, 'no-torch-home') } })
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(/--gate: lpips needs its weights: .*AlexNet.*pip install --no-deps lpips/)
    expect(trip.started()).toBe(false)
  })

  it('a gate even the mildest schedule fails exits 1 with the best candidate and its margin; held-out prompts are checked', async () => {
    const prompts = join(work, 'prompts.txt')
    writeFileSync(prompts, 'A red panda drinks tea.\nA fox runs through snow.\n')
    const out = join(work, 'strict')
    const strict = await teacache(['tune', config('tiny'), '--gate', 'psnr>=1000', '--prompts', prompts, '--holdout', '1', '--repeats', '1', '--no-warmup', '--output', out])
    expect(strict.exitCode).toBe(1)
    expect(strict.stderr).toMatch(/no schedule keeps psnr>=1000: even the mildest, threshold [\d.]+ \(\d+ of 8 steps computed\), misses psnr by \d/)
    const record = readJson<TuneRecord>(join(out, 'tune.json'))
    expect(record.choice).toBeNull()
    expect(record.tuning.prompts).toEqual([0])
    expect(record.holdout?.prompts).toEqual([1])

    const relaxed = await teacache(['tune', config('tiny'), '--gate', 'psnr>=1', '--prompts', prompts, '--holdout', '1', '--repeats', '1', '--no-warmup', '--output', out])
    ok(relaxed)
    const done = readJson<TuneRecord>(join(out, 'tune.json'))
    expect(done.choice).not.toBeNull()
    expect(done.held_out).toMatchObject({ pass: true })
    expect(relaxed.stdout).toContain('held-out prompts: the gate held')
  })
})
