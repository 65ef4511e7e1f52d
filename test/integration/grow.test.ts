import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { RunRecord } from '../../src/run/record.ts'
import type { SweepManifest } from '../../src/sweep/manifest.ts'
import { pythonTripwire, teacache, tempDir } from '../helpers/cli.ts'
import { TINY_CONFIG } from '../helpers/configs.ts'

/**
 * A finished sweep grows (tiny model, CPU, 3 steps): by a threshold and a seed in one process,
 * then by a seed through two --devices workers whose command names fewer thresholds than the
 * folder holds. Only the new cells run; what changes every run is still refused.
 */
const work = tempDir('tc-grow-')
const config = join(work, 'tiny.yaml')
writeFileSync(config, `${TINY_CONFIG.replace('steps: 20', 'steps: 3')}sweep:\n  thresholds: [0.5, 1]\n`)
const out = join(work, 'sweep')
const cells = (seeds: number[], columns: string[]) => seeds.flatMap((s) => columns.map((c) => `p0-s${s}/${c}`))
const FIRST = cells([42], ['baseline', 't0.5', 't1'])
const GROWN = cells([42, 43], ['baseline', 't0.5', 't1', 't2'])
const readRun = (id: string) => JSON.parse(readFileSync(join(out, id, 'run.json'), 'utf8')) as RunRecord
const readManifest = () => JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as SweepManifest
/** Each run.json's modification time and finish time: a run that is redone changes both. */
const stamps = (ids: string[]) => new Map(ids.map((id) => [id, `${statSync(join(out, id, 'run.json')).mtimeMs} ${readRun(id).finished_at}`]))

async function sweep(args: string[], env?: NodeJS.ProcessEnv) {
  const result = await teacache(['sweep', config, '--output', out, '--repeats', '2', ...args], { env })
  return result
}

describe('growing a finished sweep (tiny, CPU)', () => {
  let first: Map<string, string>
  let grown: Awaited<ReturnType<typeof sweep>>
  let afterGrowth: Map<string, string>

  beforeAll(async () => {
    const made = await sweep(['--quiet'])
    expect([made.exitCode, made.stderr]).toEqual([0, ''])
    first = stamps(FIRST)
    grown = await sweep(['--thresholds', '0.5,1,2', '--seeds', '42,43'])
    afterGrowth = stamps(GROWN)
  })

  it('runs only the new cells: the runs that were there are not touched, but for the baseline, timed again beside them', () => {
    expect(grown.stderr).toBe('')
    expect(grown.exitCode).toBe(0)
    for (const id of FIRST.filter((id) => !id.endsWith('/baseline'))) expect(afterGrowth.get(id)).toBe(first.get(id))
    // The grown group's baseline keeps its generation (frames, first session) and gains the new session's rounds.
    const baseline = readRun('p0-s42/baseline')
    const [old, now] = baseline.timing!.sessions
    expect(baseline.repeats!.filter((r) => r.session === old.id)).toHaveLength(old.rounds)
    expect(baseline.repeats!.filter((r) => r.session === now.id)).toHaveLength(now.rounds)
    expect(readRun('p0-s42/t2').timing!.sessions.map((s) => s.id)).toEqual([now.id])
    for (const id of GROWN) expect(readRun(id).status).toBe('completed')
    expect(grown.stdout).toContain('growing the sweep: seeds 43; thresholds 2 (5 new runs; the others are kept)')
    expect(grown.stdout).toMatch(/sweep: 8 runs: 5 completed, 3 already done, 0 failed/)
  })

  it('sweep.json holds the grown grid and how it grew; REPORT.md reports the whole grid', () => {
    const manifest = readManifest()
    expect(manifest.grid).toEqual({ prompts: ['A red panda drinks tea.'], seeds: [42, 43], thresholds: [0.5, 1, 2] })
    expect(manifest.runs.map((r) => r.id)).toEqual(GROWN)
    expect(manifest.history).toEqual([{ date: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), added: { seeds: [43], thresholds: [2] }, runs: 5 }])
    const report = readFileSync(join(out, 'REPORT.md'), 'utf8')
    expect(report).toContain('| grid | 1 prompt(s) x 2 seed(s) x (baseline + 3 threshold(s)) = 8 runs |')
    expect(report).toMatch(/\| grid grown \| \d{4}-\d\d-\d\d: added seeds 43; thresholds 2 \(5 new runs\) \|/)
    expect(report).toContain('8 of 8 runs completed')
    // The new column's runs pair with the baseline's rounds of their own session: never "different worker",
    // whichever process made the baseline's frames (whether a busy machine kept them within bounds is timing).
    expect(report).not.toContain('different worker')
    expect(report).not.toContain('⚠ split')
    expect(report).toContain('baseline (timed again), t2')
  })

  it('the first command again keeps the grown grid and starts no Python; changing steps is refused with exit 2', async () => {
    const trip = pythonTripwire()
    const again = await sweep([], trip.env)
    expect([again.exitCode, again.stderr]).toEqual([0, ''])
    expect(again.stdout).toContain('the sweep also holds seeds 43; thresholds 2 (not named here): kept, and run where missing')
    const before = readFileSync(join(out, 'sweep.json'), 'utf8')
    const steps = await sweep(['--steps', '4', '--seeds', '42,43,44'], trip.env)
    expect(steps.exitCode).toBe(2)
    expect(steps.stderr).toBe(`teacache: --output: ${out} holds a sweep with other settings:\n  steps: 3 -> 4\n` +
      'only its grid may grow (more prompts, seeds, thresholds, compile, methods): choose another folder, or pass --force to redo every run with these settings')
    const prompts = join(work, 'prompts.txt')
    writeFileSync(prompts, 'A fox runs through snow.\nA red panda drinks tea.\n')
    const renamed = await sweep(['--prompts', prompts], trip.env)
    expect(renamed.exitCode).toBe(2)
    expect(renamed.stderr).toContain('p0-s42/baseline (and 2 more runs): prompt: "A red panda drinks tea." -> "A fox runs through snow."\nrun ids number the prompts by position')
    expect(trip.started()).toBe(false)
    expect(readFileSync(join(out, 'sweep.json'), 'utf8')).toBe(before)
    expect(stamps(GROWN)).toEqual(afterGrowth)
  })

  it('--devices workers grow it too, each running its share of the whole grown grid', async () => {
    const result = await sweep(['--devices', 'cpu,cpu', '--thresholds', '1', '--seeds', '44', '--quiet'])
    expect([result.exitCode, result.stderr]).toEqual([0, ''])
    const all = cells([42, 43, 44], ['baseline', 't0.5', 't1', 't2'])
    expect(readManifest().runs.map((r) => r.id)).toEqual(all)
    expect(readManifest().history!.map((h) => [h.added, h.runs])).toEqual([[{ seeds: [43], thresholds: [2] }, 5], [{ seeds: [44] }, 4]])
    for (const id of all) expect(readRun(id).status).toBe('completed')
    expect(stamps(GROWN)).toEqual(afterGrowth)
    expect(existsSync(join(out, '.teacache-writers'))).toBe(false)
  })
})
