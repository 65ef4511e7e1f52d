import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { pythonTripwire, teacache, tempDir } from '../helpers/cli.ts'
import { TINY_CONFIG } from '../helpers/configs.ts'
import { cutShort, editRecord, readRecord, timedAt, type RecordEdit } from '../fixtures/records.ts'
import { makeSweepFixture, ok, type FixtureRun } from '../fixtures/sweep.ts'
import { fixtureRun, TRACE, writeRun } from '../plan/fixtures.ts'

/**
 * A run.json counts only when it is evidence for its sweep (src/records): whole, with possible
 * timings, and made with the settings the sweep runs its cell with. Report, resume and plan judge
 * it alike. Sweep folders are fabricated (no Python) except for the one resume test.
 */
const noStack = (stderr: string) => expect(stderr).not.toMatch(/internal error|TypeError|\n\s+at /)
const NOT_A_NUMBER = /NaN|Infinity|undefined/
const every = (steps: number) => Array(steps).fill(true) as boolean[]

/**
 * p0-s1: a baseline (10 + 2 s) and thresholds 0.5 and 1. t0.5 has numbers no other run has: a
 * latency of 99 s and frames shifted by 3 (PSNR 38.59 dB), so the report shows them only if it counts the run.
 */
function sweep(steps: number, dir = join(tempDir('tc-evidence-'), 'sweep')): string {
  const skip = (at: number) => every(steps).map((c, i) => c && i !== at)
  const table: Record<string, FixtureRun> = {
    'p0-s1/baseline': ok(10, 2, 0, every(steps)),
    'p0-s1/t0.5': ok(90, 9, 3, skip(1)),
    'p0-s1/t1': ok(8, 2, 5, skip(2)),
  }
  makeSweepFixture(dir, { grid: { prompts: ['a'], seeds: [1], thresholds: [0.5, 1] }, setup: { steps }, run: (spec) => table[spec.id] })
  return dir
}

async function report(dir: string): Promise<string> {
  const trip = pythonTripwire()
  const result = await teacache(['report', dir, '--no-videos'], { env: trip.env })
  expect(result.exitCode).toBe(0)
  noStack(result.stderr)
  expect(trip.started()).toBe(false)
  return readFileSync(join(dir, 'REPORT.md'), 'utf8')
}

/** The figures only run t0.5 has, as REPORT.md would show them. */
const counted = (md: string) => ({ latency: /99\.0/.test(md), psnr: /38\.59/.test(md) })

describe('report: a run made with other settings is excluded, with the reason', () => {
  it('a 4-step run left in a sweep that is now 5 steps: listed as excluded, in no latency, speedup or quality figure', async () => {
    const dir = sweep(5)
    // Control: while it fits, its figures are in the report.
    expect(counted(await report(dir))).toEqual({ latency: true, psnr: true })

    const old = sweep(4)
    rmSync(join(dir, 'p0-s1/t0.5'), { recursive: true })
    cpSync(join(old, 'p0-s1/t0.5'), join(dir, 'p0-s1/t0.5'), { recursive: true })
    const md = await report(dir)
    expect(md).toMatch(/^2 of 3 runs completed, 1 excluded \(made with other settings; see Runs\)\./m)
    expect(md).toMatch(/\| `p0-s1\/t0\.5` \| excluded \| — \|.*\| excluded, no result of this sweep: made with other settings \(this run -> the sweep\): steps: 4 -> 5 \|/)
    expect(counted(md)).toEqual({ latency: false, psnr: false })
    // Its quality was never measured against the baseline, so nothing was cached beside it either.
    expect(existsSync(join(dir, 'p0-s1/t0.5/quality.json'))).toBe(false)
    expect(md).toMatch(/\| `p0-s1\/t1` \| completed \|/)
  })

  it('a run whose guidance differs from the sweep\'s', async () => {
    const dir = sweep(4)
    editRecord(join(dir, 'p0-s1/t0.5/run.json'), (r) => (r.config.guidance_scale = 2.5))
    const md = await report(dir)
    expect(md).toMatch(/\| `p0-s1\/t0\.5` \| excluded \|.*made with other settings \(this run -> the sweep\): guidance_scale: 2\.5 -> 6 \|/)
    expect(counted(md)).toEqual({ latency: false, psnr: false })
  })
})

describe('report: a record that is no evidence is unreadable, naming the field, and counts nowhere', () => {
  it.each<[string, RecordEdit, RegExp]>([
    ['cut to 2 of its 4 steps, totals consistent', cutShort(2), /run\.json unreadable: steps: expected 4 entries \(config\.steps\) in a completed run, found 2: the record was cut short/],
    ['timed at 0 s (NaNx before)', timedAt(0), /run\.json unreadable: repeats\[0\]\.denoise: expected seconds above 0/],
    ['timed at 0 s, without repeats', (r) => ((r.timings_s.denoise = 0), (r.timings_s.decode = 0)), /run\.json unreadable: timings_s\.denoise: expected seconds above 0 in a completed run/],
    ['timed at negative seconds', timedAt(-10), /run\.json unreadable: timings_s\.denoise: expected seconds of 0 or more/],
  ])('%s', async (_, edit, note) => {
    const dir = sweep(4)
    editRecord(join(dir, 'p0-s1/t0.5/run.json'), edit)
    const md = await report(dir)
    expect(md).toMatch(/^2 of 3 runs completed, 1 unreadable\./m)
    expect(md).toMatch(new RegExp(`\\| \`p0-s1/t0\\.5\` \\| unreadable \\|.*${note.source}`))
    expect(counted(md)).toEqual({ latency: false, psnr: false })
  })
})

describe('no NaN, Infinity or undefined reaches a table', () => {
  it('a sweep whose baseline was edited to take no time: REPORT.md and chart.svg hold no number that is none', async () => {
    const dir = sweep(4)
    // A zero baseline was a division by zero in every speedup and ideal of its group.
    editRecord(join(dir, 'p0-s1/baseline/run.json'), timedAt(0))
    editRecord(join(dir, 'p0-s1/t1/run.json'), (r) => (r.timings_s.decode = 0))
    const md = await report(dir)
    expect(md).toMatch(/^1 of 3 runs completed, 2 unreadable\./m)
    expect(md).not.toMatch(NOT_A_NUMBER)
    expect(readFileSync(join(dir, 'chart.svg'), 'utf8')).not.toMatch(NOT_A_NUMBER)
  })
})

describe('plan --from-run: a record that is no evidence is exit 2, naming the file and the field', () => {
  const TIMES = { computed: 1, skipped: 0.25, overhead: 0.5, decode: 2 }
  const plan = async (edit: RecordEdit) => {
    const work = tempDir('tc-evidence-plan-')
    const config = join(work, 'c.yaml')
    writeFileSync(config, TINY_CONFIG.replace('steps: 20', `steps: ${TRACE.length}`))
    const record = fixtureRun(TRACE, 0.3, TIMES) as Record<string, any>
    edit(record)
    const dir = writeRun(join(work, 'run'), record)
    const trip = pythonTripwire()
    const result = await teacache(['plan', config, '--from-run', dir], { env: trip.env })
    expect(trip.started()).toBe(false)
    return { ...result, file: join(dir, 'run.json') }
  }

  it('control: the record as teacache wrote it plans, with its measured latency', async () => {
    const result = await plan(() => {})
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(/= \d+\.\d{3} s measured/)
    expect(result.stdout).not.toMatch(NOT_A_NUMBER)
  })

  it.each<[string, RecordEdit, string]>([
    ['negative seconds (printed "-10.000 s measured" before)', (r) => (r.timings_s.denoise = -10), 'timings_s.denoise: expected seconds of 0 or more'],
    ['zero seconds of decoding (NaN speedups before)', (r) => (r.timings_s.decode = 0), 'timings_s.decode: expected seconds above 0 in a completed run'],
    ['a timed repeat of 0 s', (r) => (r.repeats = [{ denoise: 0, decode: 0 }]), 'repeats[0].denoise: expected seconds above 0'],
    ['a step of negative seconds', (r) => (r.steps[3].seconds = -1), 'steps[3].seconds: expected seconds of 0 or more'],
    ['a record cut short, totals consistent', cutShort(6), `steps: expected ${TRACE.length} entries (config.steps) in a completed run, found 6`],
  ])('%s', async (_, edit, field) => {
    const result = await plan(edit)
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toContain(`teacache: --from-run: ${result.file}: not a teacache run record (${field}`)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stdout).toBe('')
    noStack(result.stderr)
  })
})

describe('resume (tiny model): a record cut short, or made with other settings, is redone; the others kept', () => {
  it('redoes both and keeps nothing of them in the report', async () => {
    const dir = tempDir('tc-evidence-resume-')
    const config = join(dir, 'c.yaml')
    writeFileSync(config, TINY_CONFIG.replace('steps: 20', 'steps: 3'))
    const out = join(dir, 'sweep')
    const first = await teacache(['sweep', config, '--output', out, '--thresholds', '0.5,1', '--repeats', '1', '--no-warmup', '--quiet'])
    expect(first.exitCode).toBe(0)
    editRecord(join(out, 'p0-s42/t0.5/run.json'), cutShort(2))
    editRecord(join(out, 'p0-s42/t1/run.json'), (r) => (r.config.guidance_scale = 2))
    const baseline = readRecord(join(out, 'p0-s42/baseline/run.json'))

    const resumed = await teacache(['sweep', config, '--output', out, '--thresholds', '0.5,1', '--repeats', '1', '--no-warmup'])
    expect(resumed.exitCode).toBe(0)
    noStack(resumed.stderr)
    expect(resumed.stdout).toMatch(/p0-s42\/t0\.5 \(TeaCache 0\.5; run\.json unreadable \(steps: expected 3 entries \(config\.steps\) in a completed run, found 2/)
    expect(resumed.stdout).toMatch(/p0-s42\/t1 \(TeaCache 1; settings changed\)/)
    expect(resumed.stdout).toContain('2 completed, 1 already done, 0 failed')
    // The baseline's generation is kept (a resume may time it again beside the redone runs).
    expect(readRecord(join(out, 'p0-s42/baseline/run.json')).started_at).toBe(baseline.started_at)
    const md = readFileSync(join(out, 'REPORT.md'), 'utf8')
    expect(md).toMatch(/^3 of 3 runs completed\./m)
    expect(md).not.toMatch(NOT_A_NUMBER)
  })
})
