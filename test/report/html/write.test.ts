import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { writeReport } from '../../../src/report/generate.ts'
import type { PageModel } from '../../../src/report/html/model.ts'
import { HTML_REPORT } from '../../../src/report/html/write.ts'
import { makeSweepFixture, ok, twoPromptFixture } from '../../fixtures/sweep.ts'

const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))
const LPIPS = { computed: false as const, weights: [], reason: 'test' }

function sweep(make: (dir: string) => unknown = twoPromptFixture): string {
  const dir = mkdtempSync(join(tmpdir(), 'tc-html-write-'))
  dirs.push(dir)
  make(dir)
  return dir
}

function pageModelOf(html: string): PageModel {
  const json = /<script type="application\/json" id="teacache-data">([\s\S]*?)<\/script>/.exec(html)![1]
  return JSON.parse(json)
}

describe('REPORT.html', () => {
  it('is written beside REPORT.md whenever it is, and REPORT.md links to it', async () => {
    const dir = sweep()
    await writeReport(dir, { videos: false, lpips: LPIPS })
    const md = readFileSync(join(dir, 'REPORT.md'), 'utf8')
    expect(md).toContain(`[${HTML_REPORT}](${HTML_REPORT})`)
    const html = readFileSync(join(dir, HTML_REPORT), 'utf8')
    expect(html).toMatch(/^<!doctype html>/)
    expect(html).toContain('<a href="REPORT.md">')
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([])
  })

  it('is self-contained: inline script and style, nothing fetched from anywhere but relative paths', async () => {
    const dir = sweep()
    await writeReport(dir, { videos: false, lpips: LPIPS })
    const html = readFileSync(join(dir, HTML_REPORT), 'utf8')
    expect(html).not.toMatch(/<script[^>]+src=/)
    expect(html).not.toMatch(/<link[^>]+href=/)
    expect(html).not.toMatch(/@import|url\(/)
    // The only absolute URL is the SVG namespace, which is a name, never fetched.
    expect(html.match(/\w+:\/\/[^\s"'<)]*/g)!.filter((u) => u !== 'http://www.w3.org/2000/svg')).toEqual([])
  })

  it('carries every run of every prompt and seed: frame folders relative to the sweep, per-frame PSNR, SSIM and flicker', async () => {
    const dir = sweep()
    await writeReport(dir, { videos: false, lpips: LPIPS })
    const model = pageModelOf(readFileSync(join(dir, HTML_REPORT), 'utf8'))
    expect(model.groups.map((g) => [g.id, g.runs.map((r) => r.id)])).toEqual([
      ['p0-s1', ['p0-s1/baseline', 'p0-s1/t0.1', 'p0-s1/t0.2']],
      ['p1-s1', ['p1-s1/baseline', 'p1-s1/t0.1', 'p1-s1/t0.2']],
    ])
    const [base, t01] = model.groups[0].runs
    expect(base).toMatchObject({ reference: true, frames: 'p0-s1/baseline/frames', count: 3, width: 16, height: 16, series: null, measured: false })
    // The fixture's t0.1 is the baseline + 2 everywhere: MSE 4 in every frame, and it changes exactly as the baseline does.
    expect(t01).toMatchObject({ frames: 'p0-s1/t0.1/frames', measured: true, psnr: Number((20 * Math.log10(255 / 2)).toFixed(3)), flicker: 0 })
    expect(t01.series!.psnr).toEqual([1, 2, 3].map(() => Number((20 * Math.log10(255 / 2)).toFixed(3))))
    expect(t01.series!.flicker).toEqual([null, 0, 0])
    expect(t01.series!.ssim).toHaveLength(3)
    expect(model.groups[1].runs[1]).toMatchObject({ status: 'failed', frames: null, series: null })
  })

  it('keeps a prompt that looks like markup as text', async () => {
    const prompt = '</script><script>alert(1)</script> & "quotes"'
    const dir = sweep((d) => makeSweepFixture(d, { grid: { prompts: [prompt], seeds: [1], thresholds: [0.1] }, run: (spec) => ok(1, 1, spec.threshold === null ? 0 : 1, [true, true, true, true]) }))
    await writeReport(dir, { videos: false, lpips: LPIPS })
    const html = readFileSync(join(dir, HTML_REPORT), 'utf8')
    // The data and the page's three scripts, and no element the prompt opened.
    expect(html.match(/<script/g)).toHaveLength(4)
    expect(pageModelOf(html).groups[0].prompt).toBe(prompt)
  })

  it.each([
    { model: 'tiny', says: true },
    { model: '/models/CogVideoX1.5-5B', says: false },
  ])('says quality means nothing when the model ($model) has random weights: $says', async ({ model, says }) => {
    const dir = sweep()
    for (const id of ['p0-s1/baseline', 'p0-s1/t0.1', 'p0-s1/t0.2', 'p1-s1/baseline', 'p1-s1/t0.1', 'p1-s1/t0.2']) {
      const file = join(dir, id, 'run.json')
      const record = JSON.parse(readFileSync(file, 'utf8'))
      record.model.model = model
      writeFileSync(file, JSON.stringify(record))
    }
    await writeReport(dir, { videos: false, lpips: LPIPS })
    const html = readFileSync(join(dir, HTML_REPORT), 'utf8')
    const md = readFileSync(join(dir, 'REPORT.md'), 'utf8')
    expect(html.includes('id="random-weights"')).toBe(says)
    expect(md.includes('**Quality means nothing here.**')).toBe(says)
    expect(pageModelOf(html).randomWeights !== null).toBe(says)
  })
})
