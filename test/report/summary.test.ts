import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { collectSweep } from '../../src/report/collect.ts'
import { measureQuality } from '../../src/report/generate.ts'
import { buildReportData, stat, type ReportData } from '../../src/report/summary.ts'
import type { RunSpec } from '../../src/sweep/grid.ts'
import { coldBaselineFixture, computing, makeSweepFixture, ok, twoPromptFixture, worker, type FixtureRun } from '../fixtures/sweep.ts'
import { tempDir } from '../helpers/temp.ts'

const LPIPS = { computed: false as const, weights: [], reason: 'test' }
const temp = () => tempDir('tc-summary-')

async function dataOf(dir: string): Promise<ReportData> {
  const collected = await collectSweep(dir)
  return buildReportData(collected, await measureQuality(collected), LPIPS)
}

/** One prompt and seed, baseline plus 0.5 and 1, each run as the table says. */
async function oneGroup(table: Record<string, FixtureRun>, seeds = [42]): Promise<ReportData> {
  const dir = temp()
  makeSweepFixture(dir, { grid: { prompts: ['a'], seeds, thresholds: [0.5, 1] }, run: (spec: RunSpec) => table[spec.id] })
  return dataOf(dir)
}

const row = (data: ReportData, id: string) => data.runs.find((r) => r.id === id)!
const column = (data: ReportData, threshold: number | null) => data.columns.find((c) => c.threshold === threshold)!

describe('report data from fixture run folders (no Python)', () => {
  let data: ReportData
  beforeAll(async () => {
    const dir = temp()
    twoPromptFixture(dir)
    data = await dataOf(dir)
  })

  it('takes latency as denoise + decode, with per-run speedup over the same prompt and seed and the ideal of its schedule', () => {
    expect(row(data, 'p0-s1/baseline')).toMatchObject({ latency: 12, speedup: 1, ideal: null, suspect: null, computed: 4, steps: 4, n: 1, spread: { min: 12, max: 12 } })
    expect(row(data, 'p0-s1/t0.1')).toMatchObject({ latency: 10, speedup: 1.2, suspect: null, computed: 3, schedule: [true, false, true, true] })
    // s = 10 / 4 per step, D = 2: (4 s + D) / (3 s + D) = 12 / 9.5
    expect(row(data, 'p0-s1/t0.1').ideal).toBeCloseTo(12 / 9.5, 12)
    expect(row(data, 'p1-s1/t0.2')).toMatchObject({ latency: 10, speedup: 1.6, ideal: 16 / 9 })
  })

  it.each([
    // baseline: 12 and 16 -> mean 14, sample sd sqrt(8)
    { column: null, mean: 14, sd: Math.sqrt(8), speedup: 1, ideal: null, completed: 2 },
    // 0.1: only p0 completed (10), paired with its own baseline (12)
    { column: 0.1, mean: 10, sd: null, speedup: 1.2, ideal: 12 / 9.5, completed: 1 },
    // 0.2: 7.5 and 10 against 12 and 16 (ratios 1.6 and 1.6); the column's ideal is the median of the runs' ideals, 12 / 7 and 16 / 9
    { column: 0.2, mean: 8.75, sd: 2.5 / Math.SQRT2, speedup: 1.6, ideal: (12 / 7 + 16 / 9) / 2, completed: 2 },
  ])('column $column: mean $mean, paired speedup $speedup of ideal $ideal', ({ column: t, mean, sd, speedup, ideal, completed }) => {
    const c = column(data, t)
    expect(c.latency.mean).toBeCloseTo(mean, 12)
    if (sd === null) expect(c.latency.sd).toBeNull()
    else expect(c.latency.sd).toBeCloseTo(sd, 12)
    expect(c.speedup).toBeCloseTo(speedup, 12)
    if (ideal === null) expect(c.ideal).toBeNull()
    else expect(c.ideal).toBeCloseTo(ideal, 12)
    expect(c).toMatchObject({ completed, total: 2, excluded: 0, aboveIdeal: false, repeats: { min: 1, max: 1 }, memory: null })
  })

  it('measures PSNR from the frames: a uniform shift s gives 20 log10(255 / s)', () => {
    expect(row(data, 'p0-s1/t0.1').psnr).toBeCloseTo(20 * Math.log10(255 / 2), 10)
    expect(row(data, 'p0-s1/t0.2').psnr).toBeCloseTo(20 * Math.log10(255 / 5), 10)
    expect(row(data, 'p0-s1/t0.2').ssim).toBeLessThan(row(data, 'p0-s1/t0.1').ssim!)
    expect(row(data, 'p0-s1/t0.1').ssim).toBeLessThan(1)
    expect(row(data, 'p0-s1/baseline').psnr).toBeNull()
    expect(column(data, 0.2).psnr).toMatchObject({ n: 2, mean: expect.closeTo(20 * Math.log10(51), 10), sd: expect.closeTo(0, 10) })
  })

  it('reports the failed run with its error and counts it', () => {
    expect(data.counts).toMatchObject({ total: 6, completed: 5, failed: 1, missing: 0 })
    expect(row(data, 'p1-s1/t0.1')).toMatchObject({ status: 'failed', latency: null, n: null, spread: null, speedup: null, suspect: null, note: 'failed: PYTHON: RuntimeError: CUDA out of memory' })
  })

  it('describes the setup from the records, and has no published reference for the tiny model', () => {
    expect(data.setup).toMatchObject({ model: 'tiny', task: 't2v', width: 16, height: 16, frames: 3, steps: 4, devices: ['cpu (Test CPU)'], dtypes: ['float32'], repeats: { min: 1, max: 1 } })
    expect(data.setup!.started).toBe('2025-01-01T00:00:00.000Z')
    expect(data.reference).toBeNull()
  })

  it('knows nothing of where runs ran when the records do not say: no flag, one unrecorded process', () => {
    expect(data.groups.map((g) => g.placement)).toEqual([
      { workers: [], unrecorded: ['p0-s1/baseline', 'p0-s1/t0.1', 'p0-s1/t0.2'], split: false },
      { workers: [], unrecorded: ['p1-s1/baseline', 'p1-s1/t0.1', 'p1-s1/t0.2'], split: false },
    ])
    expect(data.processes).toHaveLength(1)
    expect(data.processes[0]).toMatchObject({ worker: null, warmup: null, runs: expect.arrayContaining(['p0-s1/baseline']) })
    expect(data.processes[0].runs[0]).toBe('p0-s1/baseline')
  })
})

describe('the issue-9 sweep: a cold first baseline (2.38 s against 0.172 s)', () => {
  let data: ReportData
  beforeAll(async () => {
    const dir = temp()
    coldBaselineFixture(dir)
    data = await dataOf(dir)
  })

  it.each([
    // p0-s42: 2.38 s baseline; 15/20 allows 2.38 / (15 x 0.11 + 0.18) = 1.30x, 9/20 allows 2.38 / 1.17 = 2.03x
    { id: 'p0-s42/t0.5', speedup: 2.38 / 0.142, ideal: 2.38 / 1.83, suspect: true },
    { id: 'p0-s42/t1', speedup: 2.38 / 0.093, ideal: 2.38 / 1.17, suspect: true },
    // p0-s43: a warm 0.172 s baseline; its speedups sit just under their ideals
    { id: 'p0-s43/t0.5', speedup: 0.172 / 0.136, ideal: 0.172 / (15 * 0.0076 + 0.02), suspect: false },
    { id: 'p0-s43/t1', speedup: 0.172 / 0.091, ideal: 0.172 / (9 * 0.0076 + 0.02), suspect: false },
  ])('$id: speedup $speedup against ideal $ideal, suspect: $suspect', ({ id, speedup, ideal, suspect }) => {
    const r = row(data, id)
    expect(r.speedup).toBeCloseTo(speedup, 9)
    expect(r.ideal).toBeCloseTo(ideal, 9)
    expect(r.suspect !== null).toBe(suspect)
    if (suspect) expect(r.suspect).toMatchObject({ aboveIdeal: true, differentWorker: false })
  })

  it('names the likely causes: the first run of a process without warm-up, and a baseline far slower than the others', () => {
    const causes = row(data, 'p0-s42/t0.5').suspect!.causes
    expect(causes).toEqual([
      'no warm-up: the baseline `p0-s42/baseline` was the first timed run of a process that recorded neither where it ran nor a warm-up, with no warm-up before it',
      'the baseline took 2.38 s against a median of 0.172 s for the other 1 baseline(s)',
    ])
  })

  it.each([
    { column: 0.5, speedup: 0.172 / 0.136, ideal: 0.172 / (15 * 0.0076 + 0.02) },
    { column: 1, speedup: 0.172 / 0.091, ideal: 0.172 / (9 * 0.0076 + 0.02) },
  ])('the headline speedup of $column leaves the suspect run out (and counts it)', ({ column: t, speedup, ideal }) => {
    const c = column(data, t)
    expect(c.excluded).toBe(1)
    expect(c.speedup).toBeCloseTo(speedup, 9)
    expect(c.ideal).toBeCloseTo(ideal, 9)
    expect(c.aboveIdeal).toBe(false)
    // What the report printed before: the mean of all baselines over the mean of the column, far above any schedule.
    expect(((2.38 + 0.172) / 2) / c.latency.mean!).toBeGreaterThan(3 * ideal)
  })

  it('no suspect run is excluded when every pair is warm: a slow-but-equal machine is not flagged', async () => {
    const d = await oneGroup({
      'p0-s42/baseline': ok(2.2, 0.18, 0, computing(20)),
      'p0-s42/t0.5': ok(1.8, 0.18, 1, computing(15)),
      'p0-s42/t1': ok(1.1, 0.18, 1, computing(9)),
    })
    expect(d.runs.map((r) => r.suspect)).toEqual([null, null, null])
    expect(d.columns.map((c) => c.excluded)).toEqual([0, 0, 0])
  })
})

describe('repeats: median, spread and n', () => {
  const rep = (...latencies: Array<[number, number]>) => latencies.map(([denoise, decode]) => ({ denoise, decode }))
  it.each([
    { name: 'three repeats, the first slow', repeats: rep([3, 1], [1, 0.2], [1.1, 0.2]), latency: 1.3, denoise: 1.1, n: 3, min: 1.2, max: 4 },
    { name: 'four repeats: the middle two averaged', repeats: rep([1, 0.2], [1.2, 0.2], [1.4, 0.2], [9, 1]), latency: 1.5, denoise: 1.3, n: 4, min: 1.2, max: 10 },
    { name: 'one repeat', repeats: rep([2, 0.5]), latency: 2.5, denoise: 2, n: 1, min: 2.5, max: 2.5 },
    { name: 'no repeats recorded: the run itself', repeats: undefined, latency: 2.2, denoise: 2, n: 1, min: 2.2, max: 2.2 },
  ])('$name', async ({ repeats, latency, denoise, n, min, max }) => {
    const d = await oneGroup({
      'p0-s42/baseline': { ...ok(2, 0.2, 0, computing(20)), repeats },
      'p0-s42/t0.5': ok(2, 0.2, 0, computing(20)),
      'p0-s42/t1': ok(2, 0.2, 0, computing(20)),
    })
    const r = row(d, 'p0-s42/baseline')
    expect(r.latency).toBeCloseTo(latency, 12)
    expect(r.denoise).toBeCloseTo(denoise, 12)
    expect(r.denoise! + r.decode!).toBeCloseTo(r.latency!, 12)
    expect(r.n).toBe(n)
    expect(r.spread!.min).toBeCloseTo(min, 12)
    expect(r.spread!.max).toBeCloseTo(max, 12)
    expect(row(d, 'p0-s42/t0.5').speedup).toBeCloseTo(latency / 2.2, 12)
    expect(column(d, null).repeats).toEqual({ min: n, max: n })
    expect(column(d, 0.5).repeats).toEqual({ min: 1, max: 1 })
  })

  it('a slow first repeat does not make a suspect speedup: the median ignores it', async () => {
    const d = await oneGroup({
      'p0-s42/baseline': { ...ok(2.2, 0.18, 0, computing(20)), repeats: rep([22, 1.8], [0.152, 0.02], [0.15, 0.02]) },
      'p0-s42/t0.5': { ...ok(0.116, 0.02, 1, computing(15)), repeats: rep([0.116, 0.02], [0.118, 0.02], [0.115, 0.02]) },
      'p0-s42/t1': ok(0.071, 0.02, 1, computing(9)),
    })
    expect(row(d, 'p0-s42/t0.5').speedup).toBeCloseTo(0.172 / 0.136, 12)
    expect(d.runs.map((r) => r.suspect)).toEqual([null, null, null])
  })
})

describe('pairs on different workers', () => {
  const base = (w?: ReturnType<typeof worker>) => ({ ...ok(0.152, 0.02, 0, computing(20)), worker: w, warmup: 1.5 })
  const run = (w?: ReturnType<typeof worker>) => ({ ...ok(0.116, 0.02, 1, computing(15)), worker: w })
  it.each([
    { name: 'same process', baseline: worker(10), threshold: worker(10), flagged: false },
    { name: 'another process on the same GPU', baseline: worker(10), threshold: worker(11), flagged: true },
    { name: 'another GPU index', baseline: worker(10, 'node1', 0), threshold: worker(10, 'node1', 1), flagged: true },
    { name: 'another host', baseline: worker(10, 'node1'), threshold: worker(10, 'node2'), flagged: true },
    { name: 'threshold not recorded', baseline: worker(10), threshold: undefined, flagged: false },
  ])('$name: flagged $flagged', async ({ baseline, threshold, flagged }) => {
    const d = await oneGroup({ 'p0-s42/baseline': base(baseline), 'p0-s42/t0.5': run(threshold), 'p0-s42/t1': { ...ok(0.071, 0.02, 1, computing(9)), worker: baseline } })
    const r = row(d, 'p0-s42/t0.5')
    // The speedup itself is plausible (below its ideal): only the worker makes it suspect.
    expect(r.speedup!).toBeLessThan(r.ideal!)
    expect(r.suspect !== null).toBe(flagged)
    expect(d.groups[0].placement.split).toBe(flagged)
    expect(column(d, 0.5).excluded).toBe(flagged ? 1 : 0)
    expect(column(d, 0.5).speedup).toBe(flagged ? null : r.speedup)
    if (flagged) {
      expect(r.suspect).toMatchObject({ aboveIdeal: false, differentWorker: true })
      expect(r.suspect!.causes).toHaveLength(1)
      expect(r.suspect!.causes[0]).toMatch(/^different worker: the baseline ran on host `node1`, NVIDIA H200 \(cuda, index 0\), pid 10, this run on host `node\d`, NVIDIA H200 \(cuda, index \d\), pid 1\d$/)
    }
    expect(row(d, 'p0-s42/t1').suspect).toBeNull()
  })

  it('groups the runs of a split group by worker, and records each process with its warm-up', async () => {
    const d = await oneGroup({
      'p0-s42/baseline': base(worker(10)),
      'p0-s42/t0.5': { ...run(worker(11)), warmup: 0 },
      'p0-s42/t1': { ...ok(0.071, 0.02, 1, computing(9)), worker: worker(10), warmup: 0 },
    })
    expect(d.groups[0].placement).toEqual({
      workers: [{ worker: worker(10), runs: ['p0-s42/baseline', 'p0-s42/t1'] }, { worker: worker(11), runs: ['p0-s42/t0.5'] }],
      unrecorded: [],
      split: true,
    })
    expect(d.processes).toEqual([
      { worker: worker(10), runs: ['p0-s42/baseline', 'p0-s42/t1'], warmup: 1.5, compile: null },
      { worker: worker(11), runs: ['p0-s42/t0.5'], warmup: 0, compile: null },
    ])
  })
})

describe('peak GPU memory per column', () => {
  it.each([
    { name: 'GPU runs: the largest of the column', peaks: [20e9, 21.5e9, 22e9], columns: [20e9, 21.5e9, 22e9] },
    { name: 'CPU runs record null', peaks: [null, null, null], columns: [null, null, null] },
    { name: 'older records have no memory', peaks: [undefined, undefined, undefined], columns: [null, null, null] },
  ])('$name', async ({ peaks, columns }) => {
    const d = await oneGroup({
      'p0-s42/baseline': { ...ok(0.152, 0.02, 0, computing(20)), devicePeak: peaks[0] },
      'p0-s42/t0.5': { ...ok(0.116, 0.02, 1, computing(15)), devicePeak: peaks[1] },
      'p0-s42/t1': { ...ok(0.071, 0.02, 1, computing(9)), devicePeak: peaks[2] },
    })
    expect(d.columns.map((c) => c.memory)).toEqual(columns)
  })

  it('takes the maximum over the prompts and seeds of a column', async () => {
    const peaks: Record<string, number> = { 'p0-s42/t0.5': 30e9, 'p0-s43/t0.5': 31e9 }
    const dir = temp()
    makeSweepFixture(dir, {
      grid: { prompts: ['a'], seeds: [42, 43], thresholds: [0.5] },
      run: (spec) => ({ ...ok(0.15, 0.02, 0, computing(spec.threshold === null ? 20 : 15)), devicePeak: peaks[spec.id] ?? 29e9 }),
    })
    expect((await dataOf(dir)).columns.map((c) => c.memory)).toEqual([29e9, 31e9])
  })
})

describe('stat', () => {
  it.each([
    { values: [], expected: { n: 0, mean: null, sd: null } },
    { values: [3], expected: { n: 1, mean: 3, sd: null } },
    { values: [1, 3], expected: { n: 2, mean: 2, sd: Math.SQRT2 } },
    { values: [Infinity, 40], expected: { n: 2, mean: Infinity, sd: null } },
  ])('$values', ({ values, expected }) => expect(stat(values)).toEqual(expected))
})
