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
 * `teacache tune` on the tiny T2V model (6 steps, CPU). The tiny models' PSNR is 48-55 dB
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
  const text = readFileSync(join(ROOT, 'configs', `${name}.yaml`), 'utf8').replace(/^steps: \d+$/m, 'steps: 6').replace(/^dtype: float32$/m, 'dtype: float32\nthreads: 1')
  writeFileSync(join(dir, `${name}.yaml`), text)
  return join(dir, `${name}.yaml`)
}

/** The highest measured speedup among these candidates; null when none has one. */
const fastestOf = (cs: ReadonlyArray<{ speedup: { speedup: number } | null }>) => {
  const timed = cs.flatMap((c) => (c.speedup ? [c.speedup.speedup] : []))
  return timed.length ? Math.max(...timed) : null
}

const ok = (r: { exitCode: number; stderr: string }) => expect([r.exitCode, r.stderr.split('\n').filter((l) => l.startsWith('teacache:') && !l.startsWith('teacache: warning:')).join('\n')]).toEqual([0, ''])

// T2V only: the search does not depend on the model, and tune on I2V runs end to end in tune-shard.test.ts.
describe.each(['tiny'] as const)('teacache tune on %s', (name) => {
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
    // The search finds the full sweep's choice: the most aggressive schedule keeping the gate.
    expect(record.families.map((f) => [f.name, f.search_pick])).toEqual([['teacache', `t${schedules[k].threshold}`]])
    expect(record.cost.search).toBeLessThanOrEqual(record.cost.bound + (record.families[0].violations.length ? 2 : 0))
    expect(record.cost.bound).toBe(1 + Math.ceil(Math.log2(schedules.length + 1)))
    // The choice is the passing candidate that measured fastest (which one that is, timing decides).
    const passing = record.candidates.filter((c) => c.pass)
    // A candidate's speedup is null only when the report finds every cell of it suspect (left out, as from a headline).
    expect(passing.every((c) => c.speedup === null || c.speedup.rounds === 1)).toBe(true)
    expect(record.choice?.speedup?.speedup ?? null).toBe(fastestOf(passing))
    const report = readFileSync(join(out, 'REPORT.md'), 'utf8')
    expect(report).toContain('## Tuning')
    for (const c of record.candidates.filter((c) => c.tried && c.speedup)) expect(report).toMatch(new RegExp(`\\| \`${c.id}\` \\|.*\\| ${c.speedup!.speedup.toFixed(2)}x \\(one pair: no interval\\)[^|]* \\|`))

    const run = join(work, `${name}-run`)
    ok(await teacache(['run', join(out, 'tuned.yaml'), '--output', run, '--quiet', '--no-warmup']))
    const made = readJson<RunRecord>(join(run, 'run.json'))
    expect(made.steps.filter((s) => !s.computed).map((s) => s.index)).toEqual(schedules.find((s) => s.threshold === record.choice!.threshold)!.skipped)
  })
})

describe('teacache tune: errors and the held-out check', () => {
  it.each([
    [['--gate', 'vmaf>=90'], /--gate: unknown metric "vmaf"/],
    [['--gate', 'ssim>=2'], /--gate: ssim>=2 is impossible/],
    [['--gate', 'psnr<=30'], /--gate: psnr must be at least a value/],
    [['--gate', 'psnr>=30', '--methods', 'fastercache'], /--methods: fastercache has no main parameter for tune to vary/],
    [['--gate', 'psnr>=30', '--methods', 'fbc:0.05'], /--methods: fbc:0.05: tune varies fbc's threshold itself/],
    [['--gate', 'psnr>=30', '--compile', 'blocks'], /--compile: expected none among the modes/],
    [['--gate', 'psnr>=30', '--compile', 'none,blocks', '--no-warmup'], /--no-warmup: compile: blocks compiles the blocks during the warm-up/],
  ])('%j is exit 2 before Python starts', async (flags, message) => {
    const trip = pythonTripwire()
    const result = await teacache(['tune', config('tiny'), ...flags, '--output', join(work, 'bad')], { env: trip.env })
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
    expect(strict.stderr).toMatch(/no schedule keeps psnr>=1000: even the mildest, threshold [\d.]+ \(\d+ of 6 steps computed\), misses psnr by \d/)
    const record = readJson<TuneRecord>(join(out, 'tune.json'))
    expect(record.choice).toBeNull()
    expect(record.tuning.prompts).toEqual([0])
    expect(record.holdout?.prompts).toEqual([1])

    // The same folder, resumed with a gate every schedule keeps, and compiled blocks timed too (the one real
    // torch.compile check: a warm-up that compiles, then one compiled generation).
    const relaxed = await teacache(['tune', config('tiny'), '--gate', 'psnr>=1', '--prompts', prompts, '--holdout', '1', '--repeats', '1', '--compile', 'none,blocks', '--output', out])
    ok(relaxed)
    const done = readJson<TuneRecord>(join(out, 'tune.json'))
    expect(done.choice).not.toBeNull()
    expect(done.held_out).toMatchObject({ pass: true })
    expect(relaxed.stdout).toContain('held-out prompts: the gate held')
    // The fastest passing eager TeaCache candidate is timed compiled; the faster of all decides, and tuned.yaml carries the mode.
    const passing = done.candidates.filter((c) => c.pass)
    // With one round a candidate on a busy machine can be left unmeasured (its single round suspect): the
    // ranking puts unmeasured candidates last, and among them the most aggressive (the family's last) first.
    const measured = passing.filter((c) => c.speedup)
    const fastest = measured.length ? measured.reduce((a, b) => (b.speedup!.speedup >= a.speedup!.speedup ? b : a)) : passing.at(-1)!
    expect(done.compiled).toEqual([{ id: fastest.id, compile: 'blocks', speedup: done.compiled[0].speedup === null ? null : expect.objectContaining({ rounds: 1 }) }])
    expect(done.cost.compile).toBe(1)
    const [eager, compiled] = [readJson<RunRecord>(join(out, 'p0-s42', fastest.id, 'run.json')), readJson<RunRecord>(join(out, 'p0-s42', `${fastest.id}-compiled`, 'run.json'))]
    expect(compiled.config.compile).toBe('blocks')
    expect(compiled.steps.map((st) => st.computed)).toEqual(eager.steps.map((st) => st.computed))
    expect(done.choice!.compile).toBe((done.compiled[0].speedup?.speedup ?? -Infinity) > (fastest.speedup?.speedup ?? -Infinity) ? 'blocks' : 'none')
    expect(readFileSync(join(out, 'tuned.yaml'), 'utf8')).toMatch(new RegExp(`^compile: ${done.choice!.compile}$`, 'm'))
  })
})

describe('teacache tune --methods on the tiny model', () => {
  it('searches each method\'s ladder as a family too; a method choice is written as the sweep\'s own method list, which sweep runs', async () => {
    // No TeaCache schedule reproduces the uncached video exactly, while FirstBlockCache's low
    // thresholds reuse nothing on the tiny model (infinite PSNR): only they pass, whatever the timing.
    const out = join(work, 'methods')
    const tuned = await teacache(['tune', config('tiny'), '--gate', 'psnr>=1000', '--methods', 'fbc', '--repeats', '1', '--no-warmup', '--output', out, '--quiet'])
    ok(tuned)
    const record = readJson<TuneRecord>(join(out, 'tune.json'))
    expect(record.families.map((f) => [f.name, f.parameter, f.candidates])).toEqual([['teacache', 'rel_l1_thresh', record.cost.schedules - 9], ['fbc', 'threshold', 9]])
    expect(record.families[0].search_pick).toBeNull()
    expect(record.families[1].search_pick).toMatch(/^fbc/)
    // One shared baseline, then at most ⌈log2 (S_f + 1)⌉ probes per family.
    expect(record.cost.bound).toBe(1 + Math.ceil(Math.log2(record.families[0].candidates + 1)) + Math.ceil(Math.log2(9 + 1)))
    expect(record.cost.search).toBeLessThanOrEqual(record.cost.bound + record.families.filter((f) => f.violations.length).length * 2)
    const passing = record.candidates.filter((c) => c.pass)
    expect(passing.length).toBeGreaterThan(0)
    expect(passing.every((c) => c.family === 'fbc')).toBe(true)
    expect(record.choice).toMatchObject({ family: 'fbc', compile: 'none' })
    expect(record.choice!.speedup?.speedup ?? null).toBe(fastestOf(passing))
    expect(readFileSync(join(out, 'REPORT.md'), 'utf8')).toMatch(/\| FirstBlockCache \| `fbc[\d.]+` \| — \| passes \|/)

    const yaml = readFileSync(join(out, 'tuned.yaml'), 'utf8')
    expect(yaml).toContain(`teacache sweep tuned.yaml`)
    const swept = join(work, 'methods-sweep')
    ok(await teacache(['sweep', join(out, 'tuned.yaml'), '--repeats', '1', '--no-warmup', '--output', swept, '--quiet']))
    const manifest = readJson<{ runs: Array<{ id: string }> }>(join(swept, 'sweep.json'))
    expect(manifest.runs.map((r) => r.id)).toEqual(['p0-s42/baseline', `p0-s42/${record.choice!.id}`])
    expect(readJson<RunRecord>(join(swept, 'p0-s42', record.choice!.id, 'run.json')).config.method).toEqual({ name: 'fbc', params: record.choice!.method!.params })
  })
})
