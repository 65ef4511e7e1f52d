import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { collectSweep } from '../../src/report/collect.ts'
import { measureQuality } from '../../src/report/generate.ts'
import { latencySection, suspectSection } from '../../src/report/latency.ts'
import { buildReportData, type ReportData } from '../../src/report/summary.ts'
import type { RunSpec } from '../../src/sweep/grid.ts'
import { coldBaselineFixture, computing, makeSweepFixture, ok, worker, type FixtureRun } from '../fixtures/sweep.ts'
import { tempDir } from '../helpers/temp.ts'

const LPIPS = { computed: false as const, weights: [], reason: 'test' }
const temp = () => tempDir('tc-latency-')
const cells = (md: string, first: string) => md.split('\n').find((l) => l.startsWith(`| ${first} |`))?.split(' | ').slice(1).map((c) => c.replace(/\s*\|$/, ''))

async function dataOf(dir: string): Promise<ReportData> {
  const collected = await collectSweep(dir)
  return buildReportData(collected, await measureQuality(collected), LPIPS)
}

async function sections(fixture: (dir: string) => unknown): Promise<{ latency: string; suspect: string }> {
  const dir = temp()
  fixture(dir)
  const data = await dataOf(dir)
  return { latency: latencySection(data).join('\n'), suspect: suspectSection(data).join('\n') }
}

describe('the latency table of the issue-9 sweep (a cold first baseline)', () => {
  it('marks each suspect speedup where it stands, with its ideal, and leaves it out of the headline', async () => {
    const { latency } = await sections((dir) => coldBaselineFixture(dir))
    // Largest value 2.38 s: two decimals for every latency of the table.
    expect(cells(latency, 'p0 · seed 42')).toEqual(['2.38', '0.14 (⚠ 16.76x > ideal 1.30x)', '0.09 (⚠ 25.59x > ideal 2.03x)'])
    expect(cells(latency, 'p0 · seed 43')).toEqual(['0.17', '0.14 (1.26x)', '0.09 (1.89x)'])
    // Records from before rounds: each speedup is one pair, and the headline says it has no interval.
    expect(cells(latency, '**speedup** (baseline / TeaCache)')).toEqual(['1.00x', '1.26x (one pair: no interval) (1 suspect excluded)', '1.89x (one pair: no interval) (1 suspect excluded)'])
    expect(cells(latency, 'ideal speedup (upper bound)')).toEqual(['—', '1.28x', '1.95x'])
    expect(latency).toContain('- The headline speedup of TeaCache (0.5) leaves out 1 suspect run(s) of 2; see "Suspect measurements".')
    // No headline figure above what the schedules allow.
    for (const shown of cells(latency, '**speedup** (baseline / TeaCache)')!) expect(shown).not.toMatch(/^(6|8|9|1\d)\./)
  })

  it('lists each suspect run with its bound and likely causes', async () => {
    const { suspect } = await sections((dir) => coldBaselineFixture(dir))
    expect(suspect).toContain('## Suspect measurements')
    expect(suspect).toContain('2 of 4 TeaCache speedups are suspect and are left out of the headline speedups.')
    expect(suspect).toContain('- `p0-s42/t0.5`: measured 16.76x; its schedule (15 of 20 steps computed) allows at most 1.30x. ' +
      'No warm-up: the baseline `p0-s42/baseline` was the first timed run of a process that recorded neither where it ran nor a warm-up, with no warm-up before it. ' +
      'The baseline took 2.38 s against a median of 0.172 s for the other 1 baseline(s).')
    expect(suspect).toContain('- `p0-s42/t1`: measured 25.59x; its schedule (9 of 20 steps computed) allows at most 2.03x.')
    expect(suspect).not.toContain('p0-s43')
  })
})

describe('latency cells', () => {
  const rep = (...l: number[]) => l.map((denoise) => ({ denoise, decode: 0.02 }))
  it.each([
    {
      name: 'repeats: median with [fastest–slowest], n per column',
      table: {
        'p0-s42/baseline': { ...ok(0.4, 0.02, 0, computing(20)), repeats: rep(0.4, 0.15, 0.152) },
        'p0-s42/t0.5': { ...ok(0.12, 0.02, 1, computing(15)), repeats: rep(0.12, 0.116, 0.118) },
        'p0-s42/t1': ok(0.071, 0.02, 1, computing(9)),
      },
      row: ['0.172 [0.170–0.420]', '0.138 [0.136–0.140] (1.25x)', '0.091 (1.89x)'],
      n: ['3', '3', '1'],
    },
    {
      name: 'uniform precision from the largest value, not per cell',
      table: {
        'p0-s42/baseline': ok(10.5, 0.5, 0, computing(20)),
        'p0-s42/t0.5': ok(8.5, 0.5, 1, computing(15)),
        'p0-s42/t1': ok(0.35, 0.05, 1, computing(1)),
      },
      row: ['11.0', '9.0 (1.22x)', '0.4 (⚠ 27.50x > ideal 10.73x)'],
      n: ['1', '1', '1'],
    },
    {
      name: 'a pair on different workers is marked even when its speedup is plausible',
      table: {
        'p0-s42/baseline': { ...ok(0.152, 0.02, 0, computing(20)), worker: worker(1) },
        'p0-s42/t0.5': { ...ok(0.116, 0.02, 1, computing(15)), worker: worker(2) },
        'p0-s42/t1': { ...ok(0.071, 0.02, 1, computing(9)), worker: worker(1) },
      },
      row: ['0.172', '0.136 (⚠ 1.26x, different worker)', '0.091 (1.89x)'],
      n: ['1', '1', '1'],
    },
  ] as Array<{ name: string; table: Record<string, FixtureRun>; row: string[]; n: string[] }>)('$name', async ({ table, row, n }) => {
    const { latency } = await sections((dir) => makeSweepFixture(dir, { grid: { prompts: ['a'], seeds: [42], thresholds: [0.5, 1] }, run: (spec: RunSpec) => table[spec.id] }))
    expect(cells(latency, 'p0 · seed 42')).toEqual(row)
    expect(cells(latency, 'timed repeats per run (n)')).toEqual(n)
    // Every latency in the table has the same number of decimals.
    const numbers = ['p0 · seed 42', '**mean ± sd**', 'denoise, mean ± sd (s)', 'decode, mean ± sd (s)']
      .flatMap((first) => cells(latency, first)!.map((c) => c.replace(/\(.*\)/, '')))
      .flatMap((c) => [...c.matchAll(/\d+(?:\.(\d+))?/g)].map((m) => m[1]?.length ?? 0))
    // (A suspect run is left out of the summary rows, so a table with one has fewer numbers.)
    expect(numbers.length).toBeGreaterThan(8)
    expect(new Set(numbers).size).toBe(1)
  })

  it('flags a headline speedup above its column ideal though no single run is suspect', async () => {
    // Each run is within 10% of its ideal but above it: pooled, the headline exceeds the column's ideal.
    const table: Record<string, FixtureRun> = {
      'p0-s42/baseline': ok(0.152, 0.02, 0, computing(20)),
      'p0-s42/t0.5': ok(0.106, 0.02, 1, computing(15)),
      'p0-s42/t1': ok(0.062, 0.02, 1, computing(9)),
    }
    const { latency, suspect } = await sections((dir) => makeSweepFixture(dir, { grid: { prompts: ['a'], seeds: [42], thresholds: [0.5, 1] }, run: (spec: RunSpec) => table[spec.id] }))
    expect(cells(latency, '**speedup** (baseline / TeaCache)')).toEqual(['1.00x', '⚠ 1.37x (one pair: no interval) > ideal 1.28x', '⚠ 2.10x (one pair: no interval) > ideal 1.95x'])
    expect(latency).toContain('- ⚠ The headline speedup of TeaCache (0.5), 1.37x, is above the column\'s ideal 1.28x')
    expect(suspect).toContain('None:')
  })
})
