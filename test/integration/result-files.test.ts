import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { RunRecord } from '../../src/run/record.ts'
import { pythonTripwire, teacache, tempDir } from '../helpers/cli.ts'
import { TINY_CONFIG } from '../helpers/configs.ts'
import { makeSweepFixture } from '../fixtures/sweep.ts'

/**
 * run.json and sweep.json are read back by resume and `report`: valid JSON of the wrong shape is
 * an unreadable run (redone on resume, shown in the report), or for sweep.json exit 2 naming the
 * file and the field; nothing read from them places a path outside the sweep folder.
 */
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'))
const noStack = (stderr: string) => expect(stderr).not.toMatch(/internal error|TypeError|\n\s+at /)

function fixture(): string {
  const dir = join(tempDir('tc-files-'), 'sweep')
  makeSweepFixture(dir, { grid: { prompts: ['a'], seeds: [1], thresholds: [0.5] }, run: () => ({ status: 'completed', denoise: 2, decode: 1, shift: 0, schedule: [true, false, true, true] }) })
  return dir
}

describe('result files read back', () => {
  it('report: a run.json of the wrong shape is shown as unreadable, naming the field; the others are reported', async () => {
    const dir = fixture()
    const file = join(dir, 'p0-s1/t0.5/run.json')
    writeFileSync(file, JSON.stringify({ ...readJson(file), timings_s: 'fast', steps: 'many' }))
    const trip = pythonTripwire()
    const result = await teacache(['report', dir, '--no-videos'], { env: trip.env })
    expect(result.exitCode).toBe(0)
    noStack(result.stderr)
    const md = readFileSync(join(dir, 'REPORT.md'), 'utf8')
    expect(md).toMatch(/`p0-s1\/t0\.5` \| unreadable .*run\.json unreadable: steps: expected a list of steps/)
    expect(md).toMatch(/`p0-s1\/baseline` \| completed/)
    expect(trip.started()).toBe(false)
  })

  it.each([
    { what: 'seeds that are path segments', edit: (m: any) => (m.grid.seeds = ['../../../escaped']), field: /grid\.seeds\[0\]: expected an integer seed/ },
    { what: 'a threshold that is a path', edit: (m: any) => (m.grid.thresholds = ['0.5/../../../escaped']), field: /grid\.thresholds\[0\]: expected a threshold/ },
    { what: 'runs of the wrong type', edit: (m: any) => (m.runs = 'all of them'), field: /runs: expected the list of runs/ },
    { what: 'no grid', edit: (m: any) => delete m.grid, field: /grid: / },
  ])('report and resume: a sweep.json with $what is exit 2 naming the file and the field, nothing written', async ({ edit, field }) => {
    const dir = fixture()
    const manifest = readJson(join(dir, 'sweep.json'))
    edit(manifest)
    writeFileSync(join(dir, 'sweep.json'), JSON.stringify(manifest))
    const config = join(dirname(dir), 'c.yaml')
    writeFileSync(config, TINY_CONFIG)
    const outside = () => readdirSync(dirname(dir)).sort()
    const before = outside()
    const trip = pythonTripwire()
    for (const args of [['report', dir], ['sweep', config, '--output', dir]]) {
      const result = await teacache(args, { env: trip.env })
      expect(result.exitCode).toBe(2)
      expect(result.stderr).toMatch(new RegExp(`^teacache: ${join(dir, 'sweep.json')}: not a sweep manifest teacache can use: `))
      expect(result.stderr).toMatch(field)
      expect(result.stderr.trim().split('\n')).toHaveLength(1)
    }
    expect(outside()).toEqual(before)
    expect(existsSync(join(dir, 'REPORT.md'))).toBe(false)
    expect(trip.started()).toBe(false)
  })

  it('resume: a run.json of the wrong shape is redone; the completed runs are kept as they were', async () => {
    const dir = tempDir('tc-files-')
    const config = join(dir, 'c.yaml')
    writeFileSync(config, TINY_CONFIG.replace('steps: 20', 'steps: 3'))
    const out = join(dir, 'sweep')
    const first = await teacache(['sweep', config, '--output', out, '--thresholds', '1', '--repeats', '2', '--quiet'])
    expect(first.exitCode).toBe(0)
    const broken = join(out, 'p0-s42/t1/run.json')
    writeFileSync(broken, JSON.stringify({ ...readJson(broken), status: 'completed', computed_steps: 'all' }))
    const kept = readJson(join(out, 'p0-s42/baseline/run.json')) as RunRecord
    const resumed = await teacache(['sweep', config, '--output', out, '--thresholds', '1', '--repeats', '2'])
    expect(resumed.exitCode).toBe(0)
    noStack(resumed.stderr)
    expect(resumed.stdout).toMatch(/p0-s42\/t1 \(TeaCache 1; run\.json unreadable \(computed_steps: /)
    expect(resumed.stdout).toContain('1 completed, 1 already done, 0 failed')
    expect((readJson(broken) as RunRecord).computed_steps).toEqual(expect.any(Number))
    // The baseline is kept as it was (its generation, frames and first session's rounds), and timed again
    // beside the redone run so that their speedup pairs timings of one process.
    const baseline = readJson(join(out, 'p0-s42/baseline/run.json')) as RunRecord
    expect(baseline).toMatchObject({ started_at: kept.started_at, steps: kept.steps, output: kept.output })
    expect(baseline.repeats!.slice(0, kept.repeats!.length)).toEqual(kept.repeats)
    expect(baseline.timing!.sessions.map((s) => s.id)).toEqual([...kept.timing!.sessions.map((s) => s.id), expect.any(String)])
  })
})
