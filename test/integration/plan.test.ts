import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { PlanEntry } from '../../src/plan/plan.ts'
import type { RunRecord } from '../../src/run/record.ts'
import { runTiming } from '../../src/report/timing.ts'
import { pythonTripwire, teacache, tempDir } from '../helpers/cli.ts'
import { fixtureRun, writeRun } from '../plan/fixtures.ts'
import { TINY_CONFIG } from '../helpers/configs.ts'

const work = tempDir('tc-plan-')
const skippedOf = (record: RunRecord) => record.steps.filter((s) => !s.computed).map((s) => s.index)

async function cli(args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const result = await teacache(args, { env })
  expect(result.stderr).toBe('')
  expect(result.exitCode).toBe(0)
  return result.stdout
}

async function run(args: string[]): Promise<{ dir: string; record: RunRecord }> {
  const dir = join(work, `run-${Math.random().toString(36).slice(2)}`)
  await cli(['run', ...args, '--output', dir, '--quiet'])
  return { dir, record: JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunRecord }
}

/**
 * The plan and real runs on the tiny model: one Python process for the plan, one per run. (The
 * 1.0 architecture is planned and run end to end in calibrate.test.ts.)
 */
describe('teacache plan (tiny model)', () => {
  // Thresholds whose schedules differ on the tiny model with its fitted coefficients.
  const thresholds = [0, 0.5, 1, 2]
  let fromModel: PlanEntry[]
  let fromRun: PlanEntry[]
  let runs: Array<{ dir: string; record: RunRecord }>
  let pythonStarted: boolean

  beforeAll(async () => {
    const [plan, ...started] = await Promise.all([
      cli(['plan', 'configs/tiny.yaml', '--json', '--thresholds', thresholds.join(',')]),
      run(['configs/tiny.yaml', '--rel-l1-thresh', '0.5']),
      run(['configs/tiny.yaml', '--rel-l1-thresh', '2']),
    ])
    fromModel = JSON.parse(plan as string)
    runs = started as typeof runs
    // --from-run needs no Python: a tripwire interpreter shows it is never started.
    const trip = pythonTripwire()
    fromRun = JSON.parse(await cli(['plan', 'configs/tiny.yaml', '--json', '--from-run', runs[0].dir, '--thresholds', thresholds.join(',')], trip.env))
    pythonStarted = trip.started()
  })

  it('plans distinct, non-trivial schedules at the chosen thresholds (so the comparisons below mean something)', () => {
    expect(fromModel.map((e) => e.threshold)).toEqual(thresholds)
    expect(new Set(fromModel.map((e) => e.skipped.join(','))).size).toBe(thresholds.length)
    expect(fromModel[0].skipped).toEqual([])
    expect(fromModel.slice(1).every((e) => e.skipped.length > 0)).toBe(true)
  })

  it('a real run skips exactly the steps the plan from the model predicted', () => {
    expect(skippedOf(runs[0].record)).toEqual(fromModel[1].skipped)
    expect(skippedOf(runs[1].record)).toEqual(fromModel[3].skipped)
    expect(runs[1].record.computed_steps).toBe(fromModel[3].computed_steps)
  })

  it('the plan from a run.json gives the same schedules as the plan from the model, without Python', () => {
    const schedules = (entries: PlanEntry[]) => entries.map(({ threshold, computed_steps, skipped }) => ({ threshold, computed_steps, skipped }))
    expect(schedules(fromRun)).toEqual(schedules(fromModel))
    expect(pythonStarted).toBe(false)
  })

  it('predicts latency only with timings: 1x at threshold 0, each further skip moving it the way the run\'s step times say', () => {
    expect(fromModel.every((e) => e.predicted_speedup === null && e.predicted_seconds === null)).toBe(true)
    expect(fromRun[0].predicted_speedup).toBe(1)
    // On the tiny model a skipped step saves about a millisecond, so under load a skipped step can
    // measure slower than a computed one: the direction comes from the run, not from a hope.
    const median = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b)
      return (sorted[Math.floor((sorted.length - 1) / 2)] + sorted[Math.ceil((sorted.length - 1) / 2)]) / 2
    }
    const steps = runs[0].record.steps
    const saving = median(steps.filter((s) => s.computed).map((s) => s.seconds!)) - median(steps.filter((s) => !s.computed).map((s) => s.seconds!))
    for (const [i, entry] of fromRun.entries()) {
      expect(entry.predicted_seconds).toBeGreaterThan(0)
      if (i > 0) expect(Math.sign(entry.predicted_speedup! - fromRun[i - 1].predicted_speedup!)).toBe(Math.sign(saving))
    }
  })

  it.each([
    ['from the model (inside its progress list)', () => [] as string[]],
    ['from a run (no progress list)', () => ['--from-run', runs[0].dir]],
  ])('warns once, on stderr, when the coefficients file was fitted on another setting: %s', async (_, extra) => {
    const result = await teacache(['plan', 'configs/tiny.yaml', '--json', '--thresholds', '0.5', '--coefficients', 'configs/coefficients/tiny-i2v.yaml', ...extra()])
    expect(result.exitCode).toBe(0)
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^teacache: warning: teacache\.coefficients: configs\/coefficients\/tiny-i2v\.yaml was fitted on another setting \(.*task i2v -> t2v.*\)/),
    ])
    expect(JSON.parse(result.stdout)).toHaveLength(1)
  })
})

/** A sweep's baseline seeds a plan (it records the distances too), without Python. */
describe('teacache plan --from-run a sweep baseline (tiny model)', () => {
  const thresholds = [0.5, 1, 2]
  const out = join(work, 'sweep')
  let plan: PlanEntry[]
  let pythonStarted: boolean

  const config = join(work, 'tiny-8.yaml')
  writeFileSync(config, TINY_CONFIG.replace('steps: 20', 'steps: 8'))

  beforeAll(async () => {
    await cli(['sweep', config, '--thresholds', thresholds.join(','), '--output', out, '--repeats', '2', '--quiet'])
    const trip = pythonTripwire()
    plan = JSON.parse(await cli(['plan', config, '--json', '--from-run', join(out, 'p0-s42', 'baseline'), '--thresholds', [0, ...thresholds].join(',')], trip.env))
    pythonStarted = trip.started()
  })

  it('plans from the baseline without Python, and each threshold skips exactly what the sweep\'s run of it skipped', () => {
    expect(pythonStarted).toBe(false)
    const record = (id: string) => JSON.parse(readFileSync(join(out, 'p0-s42', id, 'run.json'), 'utf8')) as RunRecord
    const baseline = record('baseline')
    expect(baseline.teacache.enabled).toBe(false)
    expect(baseline.steps.slice(1).every((s) => typeof s.distance === 'number')).toBe(true)
    expect(plan.map((e) => e.threshold)).toEqual([0, ...thresholds])
    for (const [i, t] of thresholds.entries()) {
      const run = record(`t${t}`)
      expect(run.steps.map((s) => s.distance)).toEqual(baseline.steps.map((s) => s.distance))
      expect(plan[i + 1].skipped).toEqual(skippedOf(run))
    }
    expect(new Set(plan.map((e) => e.skipped.join(','))).size).toBeGreaterThan(1)
  })

  it('predicts, for the baseline\'s own schedule (every step computed), the latency REPORT.md gives it', () => {
    const baseline = JSON.parse(readFileSync(join(out, 'p0-s42', 'baseline', 'run.json'), 'utf8')) as RunRecord
    expect(plan[0]).toMatchObject({ computed_steps: 8, skipped: [], predicted_speedup: 1 })
    expect(plan[0].predicted_seconds).toBeCloseTo(runTiming(baseline).latency, 9)
  })
})

/** --target-speedup and bad input on a fixture run: no Python anywhere. */
describe('teacache plan (fixture run, no Python)', () => {
  const dir = tempDir('tc-plan-fixture-')
  const config = join(dir, 'c.yaml')
  writeFileSync(config, 'model: tiny\nprompt: a cat\nsteps: 10\nheight: 64\nwidth: 64\nframes: 17\nteacache:\n  rel_l1_thresh: 0.3\n  coefficients: [0, 0, 0, 1, 0]\n')
  // Ten steps, every distance 0.1; computed 1 s, skipped 0.5 s, 1 s of loop overhead and 1 s of decode (see test/plan/plan.test.ts).
  const timings = { computed: 1, skipped: 0.5, overhead: 1, decode: 1 }
  const runDir = writeRun(join(dir, 'run'), fixtureRun([null, ...Array(9).fill(0.1)], 0.2, timings))

  async function plan(args: string[]) {
    const trip = pythonTripwire()
    const result = await teacache(['plan', config, '--from-run', runDir, ...args], { env: trip.env })
    expect(trip.started()).toBe(false)
    return result
  }

  it('--target-speedup picks the threshold reaching it with the fewest skips', async () => {
    const result = await plan(['--target-speedup', '1.4', '--json'])
    expect(result.exitCode).toBe(0)
    const [entry, ...rest] = JSON.parse(result.stdout) as PlanEntry[]
    expect(rest).toEqual([])
    expect(entry).toMatchObject({ threshold: 0.5, computed_steps: 3, skipped: [1, 2, 3, 4, 6, 7, 8] })
    expect(entry.predicted_speedup).toBeCloseTo(12 / 8.5, 10)
    const text = await plan(['--target-speedup', '1.4'])
    expect(text.stdout).toMatch(/^Target 1\.4x by predicted speedup: threshold 0\.5 computes 3 of 10 steps \(1\.41x\)/m)
    expect(text.stdout).toMatch(/= \d+\.\d{3} s measured for the run's own schedule \(\d+ of 10 steps computed\), then per step computed 1\.000 s, skipped 0\.500 s/)
    expect(text.stdout).toMatch(/its run\.json total, \d+\.\d{3} s, also counts loading the model \(1\.000 s\) and the warm-up \(1\.000 s\): no part of latency/)
  })

  it('an unreachable target prints the table, says so on stderr and exits 1', async () => {
    const result = await plan(['--target-speedup', '1.6'])
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(/threshold +computed +skipped steps +latency +speedup/)
    expect(result.stderr).toMatch(/^teacache: --target-speedup: 1\.6x is not reachable \(predicted speedup\); the most is 1\.50x at threshold 0\.8 \(2 of 10 steps computed\)/)
    const json = await plan(['--target-speedup', '1.6', '--json'])
    expect([json.exitCode, json.stdout]).toEqual([1, '[]'])
  })

  const other = join(dir, 'c12.yaml')
  writeFileSync(other, readFileSync(config, 'utf8').replace('steps: 10', 'steps: 12'))
  it.each([
    ['a run folder without run.json', [config, '--from-run', dir], /--from-run: .*run\.json: does not exist/],
    ['a run of another step count', [other, '--from-run', runDir], /--from-run: .* was made with steps 10, but .*c12\.yaml has steps 12/],
    ['a threshold that is no number', [config, '--thresholds', '0.1,abc'], /--thresholds.*expected comma-separated thresholds from 0 to 5, got "abc"/],
    ['a target below 1', [config, '--target-speedup', '0.5'], /--target-speedup.*expected a speedup of 1 or more/],
    ['a missing coefficients file', [config, '--from-run', runDir, '--coefficients', '/nowhere/c.yaml'], /--coefficients: \/nowhere\/c\.yaml does not exist/],
  ])('%s is bad input: exit 2, before Python', async (_, args, message) => {
    const trip = pythonTripwire()
    const result = await teacache(['plan', ...args], { env: trip.env })
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(message)
    expect(result.stdout).toBe('')
    expect(trip.started()).toBe(false)
  })
})
