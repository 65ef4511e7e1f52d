import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { collectSweep } from '../../src/report/collect.ts'
import { tileLabel } from '../../src/report/format.ts'
import { latencySection, suspectSection } from '../../src/report/latency.ts'
import { sessionsSection } from '../../src/report/sessions.ts'
import { buildReportData, type ReportData } from '../../src/report/summary.ts'
import { SUSPECT_FACTOR } from '../../src/report/bound.ts'
import type { RunSpec } from '../../src/sweep/grid.ts'
import { computing, makeSweepFixture, rounds, type FixtureRun } from '../fixtures/sweep.ts'
import { tempDir } from '../helpers/temp.ts'

/**
 * Speedups from interleaved rounds, as a busy machine leaves them: slow spells that hit one cell
 * of one round, a cell slowed through all its rounds, and a grown group timed by a second session.
 * Times are scripted; the tiny model's shape (decode two thirds of a generation) is kept.
 */
const LPIPS = { computed: false as const, weights: [], reason: 'test' }
const made: string[] = []
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })))
const S = 0.0045 // a computed step
const SKIP = 0.0013 // a skipped step
const DECODE = 0.16
const denoiseOf = (computed: number) => computed * S + (20 - computed) * SKIP
const five = (d: number, spike: Partial<Record<number, number>> = {}) => [0, 1, 2, 3, 4].map((r) => d + (spike[r] ?? 0))

async function data(table: Record<string, FixtureRun>, thresholds = [0.5, 1, 1.5], seeds = [42, 43]): Promise<ReportData> {
  const dir = tempDir('tc-rounds-report-')
  made.push(dir)
  makeSweepFixture(dir, { grid: { prompts: ['a'], seeds, thresholds }, setup: { steps: 20 }, run: (spec: RunSpec) => table[spec.id] ?? { status: 'missing', denoise: 0, decode: 0, shift: 0, schedule: [] } })
  return buildReportData(await collectSweep(dir), new Map(), LPIPS)
}

const cell = (computed: number, session: string, spike: Partial<Record<number, number>> = {}, slow = 1): FixtureRun =>
  ({ status: 'completed', shift: 0, schedule: computing(computed), skippedStep: SKIP, ...rounds(session, five(denoiseOf(computed) * slow, spike), DECODE) })

/** The issue's sweep on a busy machine: one cell of one round took 2 s more; seed 43's t1 was slowed through every round. */
function busyTable(): Record<string, FixtureRun> {
  return {
    'p0-s42/baseline': cell(20, 'a'),
    'p0-s42/t0.5': cell(15, 'a'),
    'p0-s42/t1': cell(9, 'a'),
    'p0-s42/t1.5': cell(7, 'a', { 2: 2.0 }),
    'p0-s43/baseline': cell(20, 'b', { 4: 2.0 }),
    'p0-s43/t0.5': cell(15, 'b'),
    'p0-s43/t1': cell(9, 'b', {}, 6),
    'p0-s43/t1.5': cell(7, 'b'),
  }
}

describe('speedups from rounds on a busy machine', () => {
  it('a slow spell in one round moves no headline: every headline is within its bounds and carries its interval', async () => {
    const d = await data(busyTable())
    for (const c of d.columns.filter((c) => !c.reference && c.speedup !== null)) {
      expect(c.speedup!).toBeLessThanOrEqual(c.ideal! * SUSPECT_FACTOR)
      expect(c.speedup!).toBeGreaterThanOrEqual(c.lower!)
      expect(c.interval!.n).toBeGreaterThanOrEqual(5)
    }
    // t1.5: 7 of 20 computed, (20 s + D) / (7 s + 13 c + D) in every round but one.
    const t15 = d.columns.find((c) => c.threshold === 1.5)!
    expect(t15.speedup).toBeCloseTo((denoiseOf(20) + DECODE) / (denoiseOf(7) + DECODE), 12)
    const md = latencySection(d).join('\n')
    expect(md).toMatch(/\| \*\*speedup\*\* \(baseline \/ TeaCache\) \| 1\.00x \| \d\.\d\dx \[\d\.\d\d–\d\.\d\d, 95% CI\] \|/)
  })

  it('a run slowed through all its rounds is below the least its schedule allows: marked, explained, left out of the headline and the summary rows', async () => {
    const d = await data(busyTable())
    const slowed = d.runs.find((r) => r.id === 'p0-s43/t1')!
    expect(slowed.suspect).toMatchObject({ belowLower: true, aboveIdeal: false })
    expect(slowed.speedup!).toBeLessThan(slowed.lower!)
    const t1 = d.columns.find((c) => c.threshold === 1)!
    expect(t1.excluded).toBe(1)
    expect(t1.pairs).toBe(5) // seed 42's rounds only
    expect(t1.latency.n).toBe(1)
    expect(tileLabel(slowed)).toMatch(/^t=1 0\.\d\dx SUSPECT$/)
    expect(suspectSection(d).join('\n')).toContain('`p0-s43/t1`: measured')
    expect(latencySection(d).join('\n')).toMatch(/⚠ 0\.\d\dx < least 1\.\d\dx/)
  })

  it('a column with no trustworthy measurement shows words and how far its rounds strayed, never a number', async () => {
    const table = busyTable()
    table['p0-s42/t1'] = cell(9, 'a', {}, 6)
    const d = await data(table)
    const t1 = d.columns.find((c) => c.threshold === 1)!
    expect(t1.speedup).toBeNull()
    const row = latencySection(d).join('\n').split('\n').find((l) => l.startsWith('| **speedup**'))!
    expect(row).toMatch(/no trustworthy measurement: 2 of 2 run\(s\) suspect; its rounds ranged \d\.\d\dx–\d\.\d\dx/)
    expect(t1.latency.mean).toBeNull()
  })

  it('a grown group pairs the new run with the second session\'s rounds of its baseline, and says which session timed what', async () => {
    // The first session ran on a machine twice as slow: mixing it in would halve the new column's speedup.
    const first = rounds('old', five(2 * denoiseOf(20)), 2 * DECODE)
    const second = rounds('new', five(denoiseOf(20)), DECODE)
    const baseline: FixtureRun = {
      status: 'completed', shift: 0, schedule: computing(20), denoise: first.denoise, decode: first.decode,
      repeats: [...first.repeats!, ...second.repeats!], timing: { sessions: [...first.timing!.sessions, { ...second.timing!.sessions[0], started_at: '2025-01-02T00:00:00.000Z' }] },
    }
    const d = await data({ 'p0-s42/baseline': baseline, 'p0-s42/t0.5': { ...cell(15, 'old'), ...rounds('old', five(2 * denoiseOf(15)), 2 * DECODE) }, 'p0-s42/t1': cell(9, 'new') }, [0.5, 1], [42])
    const t1 = d.runs.find((r) => r.id === 'p0-s42/t1')!
    expect(t1.session).toBe('new')
    expect(t1.speedup).toBeCloseTo((denoiseOf(20) + DECODE) / (denoiseOf(9) + DECODE), 12)
    expect(t1.suspect).toBeNull()
    expect(d.columns.find((c) => c.threshold === 1)!.speedup).not.toBeNull()
    expect(d.groups[0].placement.split).toBe(false)
    const md = sessionsSection(d.groups).join('\n')
    expect(md).toMatch(/session `old` .*: baseline, t0\.5; 5 rounds, stopped by every interval within ±5%; then session `new` .*: baseline \(timed again\), t1; 5 rounds/)
  })
})
