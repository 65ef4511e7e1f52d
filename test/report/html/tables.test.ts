import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { collectSweep } from '../../../src/report/collect.ts'
import { measureQuality } from '../../../src/report/generate.ts'
import { latencyTable, scheduleStrip, speedupText } from '../../../src/report/html/tables.ts'
import { buildReportData } from '../../../src/report/summary.ts'
import { twoPromptFixture } from '../../fixtures/sweep.ts'

const cells = (html: string) => [...html.matchAll(/<tr>(.*?)<\/tr>/g)].map((row) => [...row[1].matchAll(/<t[dh]>(.*?)<\/t[dh]>/g)].map((c) => c[1]))

describe('REPORT.html\'s tables', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tc-html-tables-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  twoPromptFixture(dir)
  const data = (async () => {
    const collected = await collectSweep(dir)
    return buildReportData(collected, await measureQuality(collected), { computed: false, weights: [], reason: 'test' })
  })()

  it.each([
    { c: { speedup: null, interval: null }, text: { value: '—', interval: '—' } },
    { c: { speedup: 1.5, interval: null }, text: { value: '1.50x', interval: '—' } },
    { c: { speedup: 1.5, interval: { n: 6, median: 1.5, low: 1.41, high: 1.62, coverage: 0.97 } }, text: { value: '1.50x', interval: '1.41x–1.62x' } },
  ])('a speedup with its interval, or — where there is none: $text', ({ c, text }) => {
    expect(speedupText(c)).toEqual(text)
  })

  it('the latency table: one row per column, quality and flicker for the cached ones', async () => {
    const rows = cells(latencyTable(await data))
    expect(rows[0]).toEqual(['column', 'completed', 'latency (s), mean ± sd', 'speedup', 'interval', 'ideal', 'computed steps', 'PSNR (dB)', 'SSIM', 'flicker (levels)'])
    expect(rows.map((r) => r[0])).toEqual(['column', 'Baseline', 'TeaCache (0.1)', 'TeaCache (0.2)'])
    expect(rows[1].slice(1, 4)).toEqual(['2/2', '14.0 ± 2.8', '1.00x (reference)'])
    // The fixture's variants are the baseline shifted by a constant: they change from frame to frame exactly as it does.
    expect(rows[2].slice(6)).toEqual(['3/4', (20 * Math.log10(255 / 2)).toFixed(2), expect.stringMatching(/^0\.99\d\d$/), '0.000'])
  })

  it('the schedule strip: a cell per step, computed or skipped', async () => {
    const html = scheduleStrip(await data)
    const rows = [...html.matchAll(/<tr><th>(.*?)<\/th><td class="strip">(.*?)<\/td><td>(.*?)<\/td><\/tr>/g)]
    expect(rows.map((r) => [r[1], [...r[2].matchAll(/step (on|off|part)/g)].map((m) => m[1]).join(' '), r[3]])).toEqual([
      ['baseline', 'on on on on', '4/4'],
      ['t=0.1', 'on off on on', '3/4'],
      ['t=0.2', 'on off off on', '2/4'],
    ])
  })
})
