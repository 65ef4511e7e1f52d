import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { collectSweep } from '../../src/report/collect.ts'
import { measureQuality } from '../../src/report/generate.ts'
import { lpipsText } from '../../src/report/lpips-text.ts'
import { buildReportData } from '../../src/report/summary.ts'
import { twoPromptFixture } from '../fixtures/sweep.ts'

describe('the reports\' LPIPS sentence', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tc-lpips-text-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  twoPromptFixture(dir)

  it('says why there is none', async () => {
    const collected = await collectSweep(dir)
    const data = buildReportData(collected, await measureQuality(collected), { computed: false, weights: [], reason: 'no weights here' })
    expect(lpipsText(data)).toBe('LPIPS: not computed: no weights here.')
  })

  it('gives each column\'s mean ± sd over its measured runs', async () => {
    const collected = await collectSweep(dir)
    const runs = { 'p0-s1/t0.1': { mean: 0.1, perFrame: [0.1] }, 'p0-s1/t0.2': { mean: 0.2, perFrame: [0.2] }, 'p1-s1/t0.2': { mean: 0.4, perFrame: [0.4] } }
    const data = buildReportData(collected, await measureQuality(collected), { computed: true, weights: [], backend: 'test backend', runs })
    expect(lpipsText(data)).toMatch(/^LPIPS \(test backend; .*seeds: t=0\.1 0\.1000; t=0\.2 0\.3000 ± 0\.1414\.$/)
  })
})
