import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { collectSweep } from '../../src/report/collect.ts'
import { measureQuality } from '../../src/report/generate.ts'
import { renderReport } from '../../src/report/markdown.ts'
import { buildReportData } from '../../src/report/summary.ts'
import { makeSweepFixture, twoPromptFixture } from '../fixtures/sweep.ts'
import { tempDir } from '../helpers/temp.ts'

const LPIPS = { computed: false as const, weights: [], reason: 'no weights here' }
const temp = () => tempDir('tc-md-')
const tableRow = (md: string, first: string) => md.split('\n').find((l) => l.startsWith(`| ${first} |`))?.split(' | ').map((c) => c.replace(/^\| |\s*\|$/g, ''))

async function render(dir: string) {
  const collected = await collectSweep(dir)
  const data = buildReportData(collected, await measureQuality(collected), LPIPS)
  return renderReport(data, { chart: 'chart.svg', videos: [{ group: 'p0-s1', file: 'compare-p0-s1.mp4' }, { group: 'p1-s1', error: 'ffmpeg broke' }] }, `teacache report ${dir}`)
}

describe('REPORT.md', () => {
  it('lays out latency in the published shape: baseline | TeaCache (t) ..., per prompt and mean ± sd', async () => {
    const dir = temp()
    twoPromptFixture(dir)
    const md = await render(dir)
    expect(md).toContain('| latency (s) | Baseline | TeaCache (0.1) | TeaCache (0.2) |')
    // One number of decimals for the whole table, from its largest value (16 s): 7.5, not 7.50.
    expect(tableRow(md, 'p0 · seed 1')).toEqual(['p0 · seed 1', '12.0', '10.0 (1.20x)', '7.5 (1.60x)'])
    expect(tableRow(md, 'p1 · seed 1')).toEqual(['p1 · seed 1', '16.0', 'failed', '10.0 (1.60x)'])
    expect(tableRow(md, '**mean ± sd**')).toEqual(['**mean ± sd**', '14.0 ± 2.8', '10.0', '8.8 ± 1.8'])
    // Records from before rounds: one pair a run, so a headline has no interval, or the range of its two pairs.
    expect(tableRow(md, '**speedup** (baseline / TeaCache)')).toEqual(['**speedup** (baseline / TeaCache)', '1.00x', '1.20x (one pair: no interval)', '1.60x [1.60–1.60, range of 2 rounds]'])
    expect(tableRow(md, 'ideal speedup (upper bound)')).toEqual(['ideal speedup (upper bound)', '—', '1.26x', '1.75x'])
    expect(tableRow(md, 'computed steps')).toEqual(['computed steps', '4/4', '3/4', '2/4'])
    expect(tableRow(md, 'denoise, mean ± sd (s)')).toEqual(['denoise, mean ± sd (s)', '12.0 ± 2.8', '8.0', '6.8 ± 1.8'])
    expect(tableRow(md, 'peak GPU memory (GB)')).toEqual(['peak GPU memory (GB)', '—', '—', '—'])
    expect(tableRow(md, 'timed repeats per run (n)')).toEqual(['timed repeats per run (n)', '1', '1', '1'])
    expect(tableRow(md, 'runs completed')).toEqual(['runs completed', '2/2', '1/2', '2/2'])
    expect(md).toContain('## Suspect measurements\n\nNone: every TeaCache speedup is within its bounds: at most 10% above the ideal')
  })

  it('shows quality, the skip grid, the chart, the videos, the failure and why LPIPS is missing', async () => {
    const dir = temp()
    twoPromptFixture(dir)
    const md = await render(dir)
    expect(tableRow(md, 'p0 · seed 1')).toBeDefined()
    expect(md).toContain(`| p0 · seed 1 | ${(20 * Math.log10(127.5)).toFixed(2)} dB / `)
    expect(md).toMatch(/\nt=0\.1 +█·██ {2}3\/4\n/)
    expect(md).toMatch(/\nt=0\.2 +█··█ {2}2\/4\n/)
    expect(md).toContain('![Latency, PSNR and SSIM against threshold](chart.svg)')
    expect(md).toContain('- p0-s1: [compare-p0-s1.mp4](compare-p0-s1.mp4)')
    expect(md).toContain('- p1-s1: not made: ffmpeg broke')
    expect(md).toContain('| `p1-s1/t0.1` | failed | — | — | — | — | — | — | — | failed: PYTHON: RuntimeError: CUDA out of memory |')
    expect(md).toContain('| `p0-s1/t0.2` | completed | 2/4 | 5.5 | 2.0 | 7.5 (n=1) | 1.60x |')
    expect(md).toContain('failed: PYTHON: RuntimeError: CUDA out of memory')
    expect(md).toContain('LPIPS: not computed: no weights here.')
    expect(md).toContain('5 of 6 runs completed, 1 failed.')
    expect(tableRow(md, 'timing rounds')).toEqual(['timing rounds', '1 per run: each speedup comes from one pair (`sweep --repeats K` times every prompt x seed group in K rounds)'])
    expect(tableRow(md, 'warm-up')![1]).toMatch(/^none in a process that recorded neither .*: its first run `p0-s1\/baseline` may be slow and is a likely suspect$/)
    expect(md).toContain('- Ideal speedup: (N·s + D) / (k·s + D)')
    expect(md).toContain('so it is an upper bound')
    expect(md).not.toContain('Published reference')
  })

  it.each([
    { task: 't2v' as const, baseline: '465', at: ['322', '260'] },
    { task: 'i2v' as const, baseline: '475', at: ['316', '239'] },
  ])('adds the published H100 figures ($task) in their own column only at the reference setup', async ({ task, baseline, at }) => {
    const dir = temp()
    const run = () => ({ status: 'completed' as const, denoise: 300, decode: 20, shift: 0, schedule: Array(50).fill(true), devicePeak: 35_170_000_000 })
    makeSweepFixture(dir, {
      grid: { prompts: ['a'], seeds: [42], thresholds: [0.1, 0.2, 0.25] },
      run,
      setup: { width: 1360, height: 768, frames: 81, steps: 50, layers: 42, heads: 48, version: '1.5', task },
    })
    const md = await render(dir)
    expect(md).toContain('## Published reference (not measured here)')
    const header = tableRow(md, 'column')!
    expect(header[1]).toMatch(/^measured here \(s\)/)
    expect(header[2]).toMatch(/^published \(s\): .*H100/)
    expect(tableRow(md, 'Baseline')).toEqual(['Baseline', '320', baseline])
    expect(tableRow(md, 'TeaCache (0.1)')).toEqual(['TeaCache (0.1)', '320', at[0]])
    expect(tableRow(md, 'TeaCache (0.2)')).toEqual(['TeaCache (0.2)', '320', at[1]])
    expect(tableRow(md, 'TeaCache (0.25)')).toEqual(['TeaCache (0.25)', '320', '—'])
    // The published setup has a GPU: its peak memory in GB, one decimal.
    expect(tableRow(md, 'peak GPU memory (GB)')).toEqual(['peak GPU memory (GB)', '35.2', '35.2', '35.2', '35.2'])
    // The measured latency table holds measured numbers only.
    const latency = md.slice(md.indexOf('## Latency'), md.indexOf('## Quality'))
    expect(latency).not.toContain(baseline)
  })
  it('reports the whole grid, and how it grew', async () => {
    const dir = temp()
    twoPromptFixture(dir)
    expect(tableRow(await render(dir), 'grid grown')).toBeUndefined()
    const manifest = JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8'))
    manifest.history = [
      { date: '2025-01-02T03:04:05.000Z', added: { thresholds: [0.2] }, runs: 2 },
      { date: '2025-02-03T00:00:00.000Z', added: { prompts: ['a fox'] }, runs: 3 },
    ]
    writeFileSync(join(dir, 'sweep.json'), JSON.stringify(manifest))
    const md = await render(dir)
    expect(tableRow(md, 'grid')).toEqual(['grid', '2 prompt(s) x 1 seed(s) x (baseline + 2 threshold(s)) = 6 runs'])
    expect(tableRow(md, 'grid grown')).toEqual(['grid grown', '2025-01-02: added thresholds 0.2 (2 new runs); then 2025-02-03: added prompts "a fox" (3 new runs)'])
  })
})
