import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { cellSettings } from '../../src/sweep/expected.ts'
import { buildRuns } from '../../src/sweep/grid.ts'
import { runSettings } from '../../src/records/settings.ts'
import { completedMeanwhile, planRun, readRunFolder, type RunFolder } from '../../src/sweep/state.ts'
import { cutShort, editRecord, timedAt } from '../fixtures/records.ts'
import { makeSweepFixture, type FixtureRun } from '../fixtures/sweep.ts'
import { tempDir } from '../helpers/temp.ts'

const made: string[] = []
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })))
const tempSweep = () => {
  const dir = tempDir('tc-state-')
  made.push(dir)
  return dir
}
/** The settings a cell's record was made with: what the sweep expects of it when nothing changed. */
const settingsOf = (runDir: string) => runSettings(JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')).config)

describe('run folder state', () => {
  const dir = tempSweep()
  const statuses: Record<string, FixtureRun['status']> = { 'p0-s1/baseline': 'completed', 'p0-s1/t0.1': 'failed', 'p0-s1/t0.2': 'interrupted', 'p1-s1/baseline': 'incomplete', 'p1-s1/t0.1': 'missing' }
  makeSweepFixture(dir, {
    grid: { prompts: ['a', 'b'], seeds: [1], thresholds: [0.1, 0.2] },
    run: (spec) => ({ status: statuses[spec.id] ?? 'completed', denoise: 1, decode: 1, shift: 0, schedule: [true, true, true, true] }),
  })
  mkdirSync(join(dir, 'broken'))
  writeFileSync(join(dir, 'broken', 'run.json'), '{ not json')
  const manifest = JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8'))
  const cells = new Map(buildRuns(manifest.grid).map((spec) => [spec.id, cellSettings(manifest, spec)]))

  it.each([...Object.entries(statuses), ['broken', 'unreadable']])('%s is %s', async (id, status) => {
    expect((await readRunFolder(join(dir, id), cells.get(id) ?? {})).status).toBe(status)
  })

  it('skips a completed run only when it was made with the settings the cell runs with now', async () => {
    const done = join(dir, 'p0-s1/baseline')
    expect(planRun(await readRunFolder(done, settingsOf(done)), false)).toEqual({ action: 'skip' })
    const other = await readRunFolder(done, { ...settingsOf(done), steps: 5 })
    expect(other).toEqual({ status: 'excluded', record: null, problem: 'made with other settings (this run -> the sweep): steps: 4 -> 5' })
    expect(planRun(other, false)).toEqual({ action: 'run', reason: 'settings changed' })
    expect(planRun(await readRunFolder(done, settingsOf(done)), true)).toEqual({ action: 'run', reason: 'forced' })
  })

  it.each([
    { status: 'failed', reason: 'previously failed' },
    { status: 'interrupted', reason: 'previously interrupted' },
    { status: 'incomplete', reason: 'previously incomplete' },
    { status: 'missing', reason: 'new' },
    { status: 'unreadable', reason: 'run.json unreadable (bad)' },
    { status: 'excluded', reason: 'settings changed' },
  ])('redoes a $status run ($reason)', ({ status, reason }) => {
    const folder = { status, record: null, problem: 'bad' } as RunFolder
    expect(planRun(folder, false)).toEqual({ action: 'run', reason })
  })
})

describe('a completed record that is no evidence is redone on resume', () => {
  const dir = tempSweep()
  makeSweepFixture(dir, { grid: { prompts: ['a'], seeds: [1], thresholds: [0.1] }, run: () => ({ status: 'completed', denoise: 1, decode: 1, shift: 0, schedule: [true, false, true, true] }) })
  const runDir = join(dir, 'p0-s1/t0.1')
  const expected = settingsOf(runDir)

  it.each([
    { what: 'cut to 2 of its 4 steps, totals consistent', edit: cutShort(2), reason: /^run\.json unreadable \(steps: expected 4 entries \(config\.steps\) in a completed run, found 2/ },
    { what: 'timed at 0 s', edit: timedAt(0), reason: /^run\.json unreadable \(repeats\[0\]\.denoise: expected seconds above 0/ },
    { what: 'timed at negative seconds', edit: timedAt(-10), reason: /^run\.json unreadable \(timings_s\.denoise: expected seconds of 0 or more/ },
  ])('$what', async ({ edit, reason }) => {
    const original = readFileSync(join(runDir, 'run.json'), 'utf8')
    try {
      editRecord(join(runDir, 'run.json'), edit)
      const folder = await readRunFolder(runDir, expected)
      expect(folder.status).toBe('unreadable')
      expect(planRun(folder, false)).toEqual({ action: 'run', reason: expect.stringMatching(reason) })
    } finally {
      writeFileSync(join(runDir, 'run.json'), original)
    }
  })
})

describe('a run completed meanwhile by another process', () => {
  const dir = tempSweep()
  makeSweepFixture(dir, { grid: { prompts: ['a'], seeds: [1], thresholds: [0.1] }, run: () => ({ status: 'completed', denoise: 1, decode: 1, shift: 0, schedule: [true, true, true, true] }) })
  const runDir = join(dir, 'p0-s1/baseline')

  it.each([
    { what: 'without --force: any completed run of these settings', since: null, expected: true },
    { what: 'with --force: one finished after this command started', since: new Date('2024-12-31T00:00:00Z'), expected: true },
    { what: 'with --force: not one finished before', since: new Date('2025-06-01T00:00:00Z'), expected: false },
  ])('is kept $what: $expected', async ({ since, expected }) => {
    expect(completedMeanwhile(await readRunFolder(runDir, settingsOf(runDir)), since)).toBe(expected)
  })

  it('is redone when its settings differ', async () => {
    expect(completedMeanwhile(await readRunFolder(runDir, { ...settingsOf(runDir), guidance_scale: 7 }), null)).toBe(false)
  })
})
