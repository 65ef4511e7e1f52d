import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { makeVariant } from '../../src/methods/variant.ts'
import { collectSweep } from '../../src/report/collect.ts'
import { measureQuality } from '../../src/report/generate.ts'
import { renderReport } from '../../src/report/markdown.ts'
import { buildReportData, type ReportData } from '../../src/report/summary.ts'
import type { RunSpec } from '../../src/sweep/grid.ts'
import { counts, makeSweepFixture, ok, type FixtureRun } from '../fixtures/sweep.ts'
import { tempDir } from '../helpers/temp.ts'

/**
 * A sweep with diffusers' caches beside TeaCache (fixture records, no Python): each variant is a
 * column next to the same baseline, with speedup, quality, peak memory, the work it really ran,
 * an ideal where its counts give one, and a flag when it avoided nothing.
 */
const LPIPS = { computed: false as const, weights: [], reason: 'no weights here' }
const ALL = [true, true, true, true]
const FULL = counts([[1, 1, 1], [1, 1, 1], [1, 1, 1], [1, 1, 1]])
const methods = [
  makeVariant('fbc', { threshold: 0.05 }),
  makeVariant('fbc', { threshold: 0.9 }),
  makeVariant('pab', { spatial_attention_block_skip_range: 2, spatial_attention_timestep_skip_range: [100, 800] }),
]
const run = (base: FixtureRun, compute: FixtureRun['compute'], devicePeak: number): FixtureRun => ({ ...base, compute, devicePeak })
const TABLE: Record<string, FixtureRun> = {
  'p0-s1/baseline': run(ok(8, 2, 0, ALL), FULL, 20e9),
  'p0-s1/t0.5': run(ok(6, 2, 1, [true, false, true, true]), counts([[1, 1, 1], [0, 0, 0], [1, 1, 1], [1, 1, 1]]), 21e9),
  // 75% of the block rows ran: at most (8 + 2) / (6 + 2) = 1.25x; 9 s is 1.11x.
  'p0-s1/fbc0.05': run(ok(7, 2, 3, [true, false, false, true]), counts([[1, 1, 1], [0.5, 0.5, 0.5], [0.5, 0.5, 0.5], [1, 1, 1]]), 22e9),
  // Its threshold never reached: every row ran.
  'p0-s1/fbc0.9': run(ok(8.1, 2, 0, ALL), FULL, 22e9),
  'p0-s1/pab': run(ok(7.5, 2, 2, [true, false, true, false]), counts([[1, 1, 1], [1, 0, 1], [1, 1, 1], [1, 0, 1]]), 30e9),
}

async function build(table: Record<string, FixtureRun>): Promise<{ data: ReportData; md: string }> {
  const dir = tempDir('tc-methods-report-')
  makeSweepFixture(dir, { grid: { prompts: ['a'], seeds: [1], thresholds: [0.5], methods }, run: (spec: RunSpec) => table[spec.id] })
  const collected = await collectSweep(dir)
  const data = buildReportData(collected, await measureQuality(collected), LPIPS)
  return { data, md: renderReport(data, { chart: null, videos: [] }, `teacache report ${dir}`) }
}
const tableRow = (md: string, first: string) => md.split('\n').find((l) => l.startsWith(`| ${first} |`))?.split(' | ').map((c) => c.replace(/^\| |\s*\|$/g, ''))

describe('a report with diffusers\' caches', () => {
  let data: ReportData
  let md: string
  beforeAll(async () => ({ data, md } = await build(TABLE)))

  it('makes each variant a column beside the same baseline, the baseline the only reference', () => {
    expect(data.columns.map((c) => c.method?.title ?? c.threshold)).toEqual([null, 0.5, 'FirstBlockCache (0.05)', 'FirstBlockCache (0.9)', 'PAB'])
    expect(data.runs.filter((r) => r.reference).map((r) => r.id)).toEqual(['p0-s1/baseline'])
    expect(md).toContain('| latency (s) | Baseline | TeaCache (0.5) | FirstBlockCache (0.05) | FirstBlockCache (0.9) | PAB |')
  })

  it('measures speedup and quality of every variant against the baseline, and its peak memory', () => {
    const fbc = data.columns.find((c) => c.method?.id === 'fbc0.05')!
    expect(fbc.speedup).toBeCloseTo(10 / 9, 12)
    expect(fbc.psnr.mean).toBeCloseTo(20 * Math.log10(255 / 3), 6)
    expect(data.columns.find((c) => c.method?.id === 'pab')!.memory).toBe(30e9)
    expect(tableRow(md, 'peak GPU memory (GB)')).toEqual(['peak GPU memory (GB)', '20.0', '21.0', '22.0', '22.0', '30.0'])
  })

  it('bounds a whole-block cache by its block counts, and leaves a part-reusing one unbounded with a note', () => {
    expect(data.columns.find((c) => c.method?.id === 'fbc0.05')!.ideal).toBeCloseTo(1.25, 12)
    expect(data.columns.find((c) => c.method?.id === 'pab')!.ideal).toBeNull()
    expect(tableRow(md, 'ideal speedup (upper bound)')).toEqual(['ideal speedup (upper bound)', '—', '1.25x', '1.25x', '1.00x', '— (no bound)ᵃ'])
    expect(md).toMatch(/^- ᵃ PAB reuses attention or feed-forward outputs .*no ideal is shown/m)
  })

  it('shows the work each variant ran, and flags one that avoided nothing', () => {
    expect(tableRow(md, 'work run vs baseline (blocks · attention · feed-forward)')).toEqual([
      'work run vs baseline (blocks · attention · feed-forward)', '100% · 100% · 100%', '75% · 75% · 75%', '75% · 75% · 75%', '100% · 100% · 100% ⚠ nothing avoided', '100% · 50% · 100%',
    ])
    expect(data.columns.map((c) => c.idle)).toEqual([0, 0, 0, 1, 0])
    expect(md).toContain('- ⚠ FirstBlockCache (0.9): 1 of 1 run(s) ran every block, attention and feed-forward row the baseline ran: it avoided nothing here')
    expect(md).toContain('## Work avoided')
    expect(tableRow(md, 'FirstBlockCache (0.9)')).toEqual(['FirstBlockCache (0.9)', '100% · 100% · 100%', '⚠ nothing, in 1 of 1 run(s)', '0.99x', '22.0'])
  })

  it('draws each method\'s steps from its counts: full, part of the work reused, or none', () => {
    const schedule = md.slice(md.indexOf('## Skipped steps'), md.indexOf('## Runs'))
    expect(schedule).toMatch(/^fbc0\.05 +█▒▒█  2\/4$/m)
    expect(schedule).toMatch(/^pab +█▒█▒  2\/4$/m)
    expect(schedule).toMatch(/^t=0\.5 +█·██  3\/4$/m)
  })

  it('marks a method speedup above what its block counts allow as suspect, saying what they allow', async () => {
    const { data: fast, md: text } = await build({ ...TABLE, 'p0-s1/fbc0.05': { ...TABLE['p0-s1/fbc0.05'], denoise: 5 } })
    expect(fast.runs.find((r) => r.id === 'p0-s1/fbc0.05')!.suspect).toMatchObject({ aboveIdeal: true })
    expect(text).toContain('- `p0-s1/fbc0.05`: measured 1.43x; its block counts (75% of the baseline\'s block rows ran) allow at most 1.25x.')
  })
})
