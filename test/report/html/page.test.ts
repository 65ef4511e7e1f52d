import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'puppeteer-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodePng } from '../../../src/quality/png.ts'
import { collectSweep } from '../../../src/report/collect.ts'
import { measureQuality, writeReport } from '../../../src/report/generate.ts'
import { writeHtmlReport } from '../../../src/report/html/write.ts'
import { buildReportData } from '../../../src/report/summary.ts'
import { twoPromptFixture } from '../../fixtures/sweep.ts'
import { launchBrowser, type TestBrowser } from '../../helpers/browser.ts'
import { serveFolder, type StaticServer } from '../../helpers/static-server.ts'

/**
 * REPORT.html in a real headless Chromium, served from a fabricated sweep folder (3 frames of
 * 16x16 a run, each frame different, the variants shifted by a known amount), so no Python runs.
 * Every check waits for a marker the page sets (data-drawn, data-frame), never for a time.
 */
let dir: string
let server: StaticServer
let chrome: TestBrowser
let page: Page
const problems: string[] = []
const requested: string[] = []

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tc-html-page-'))
  twoPromptFixture(dir)
  await writeReport(dir, { videos: false, lpips: { computed: false, weights: [], reason: 'test' } })
  server = await serveFolder(dir)
  chrome = await launchBrowser()
  page = await chrome.browser.newPage()
  // Errors only: the tests' own pixel readbacks make Chromium warn about willReadFrequently.
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`) })
  page.on('pageerror', (e) => problems.push(`page error: ${String(e)}`))
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`))
  page.on('request', (r) => requested.push(r.url()))
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`) })
  await page.setViewport({ width: 1200, height: 900 })
  await page.goto(`${server.origin}/REPORT.html`)
  await page.waitForSelector('body[data-ready="true"]')
})

afterAll(async () => {
  await chrome?.close()
  await server?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** Every tile of the group on screen has drawn `frame`. */
const drawn = (frame: number) => page.waitForFunction(
  (f) => [...document.querySelectorAll('.tile canvas')].every((c) => (c.closest('.tile') as HTMLElement).dataset.drawn === String(f)),
  {}, frame,
)

const tilePixels = (run: string) => page.evaluate((id) => {
  const canvas = document.querySelector(`.tile[data-run="${id}"] canvas`) as HTMLCanvasElement
  return Array.from(canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data)
}, run)

/** The PNG's pixels as the canvas holds them: RGBA, opaque. */
function pngPixels(run: string, frame: number): number[] {
  const { rgb } = decodePng(readFileSync(join(dir, run, 'frames', `frame_0000${frame}.png`)))
  const out: number[] = []
  for (let i = 0; i < rgb.length; i += 3) out.push(rgb[i], rgb[i + 1], rgb[i + 2], 255)
  return out
}

async function seekWith(selector: string, frame: number): Promise<void> {
  await page.$eval(selector, (input, f) => {
    const range = input as HTMLInputElement
    range.value = String(f)
    range.dispatchEvent(new Event('input', { bubbles: true }))
  }, frame)
  await drawn(frame)
}

const RUNS = ['p0-s1/baseline', 'p0-s1/t0.1', 'p0-s1/t0.2']

describe('REPORT.html in headless Chromium', () => {
  it('loads with no console error, and fetches nothing but files inside the sweep folder', async () => {
    expect(problems).toEqual([])
    expect(requested.length).toBeGreaterThan(1)
    for (const url of requested) expect(url.startsWith(`${server.origin}/`)).toBe(true)
    expect(server.requests.filter((p) => p.includes('..'))).toEqual([])
    expect(await page.$$eval('.tile', (tiles) => tiles.map((t) => (t as HTMLElement).dataset.run))).toEqual(RUNS)
  })

  it('seeking one player seeks them all, and each shows exactly that frame\'s PNG', async () => {
    await seekWith('.tile[data-run="p0-s1/t0.2"] .seek', 2)
    expect(await page.$$eval('.tile', (tiles) => tiles.map((t) => (t as HTMLElement).dataset.frame))).toEqual(['2', '2', '2'])
    expect(await page.$$eval('.tile .seek', (inputs) => inputs.map((i) => (i as HTMLInputElement).value))).toEqual(['2', '2', '2'])
    for (const run of RUNS) expect(await tilePixels(run)).toEqual(pngPixels(run, 2))
    await seekWith('#seek', 1)
    for (const run of RUNS) expect(await tilePixels(run)).toEqual(pngPixels(run, 1))
    expect(await page.$eval('#position', (e) => e.textContent)).toBe('frame 2 / 3')
  })

  it('the per-frame curves\' cursor follows the players', async () => {
    for (const frame of [0, 2, 1]) {
      await seekWith('.tile[data-run="p0-s1/baseline"] .seek', frame)
      const curves = await page.$$eval('svg.curve', (svgs) => svgs.map((svg) => ({
        cursor: { frame: svg.querySelector('.cursor')!.getAttribute('data-frame'), x: Number(svg.querySelector('.cursor')!.getAttribute('x1')) },
        points: svg.querySelector('.series')!.getAttribute('points')!.split(' ').map((p) => Number(p.split(',')[0])),
        metric: svg.getAttribute('data-metric'),
      })))
      expect(curves.map((c) => c.metric)).toEqual(['psnr', 'ssim', 'flicker'])
      // The plots share their frame axis: PSNR has a point at every frame (flicker none at frame 0).
      const x = curves[0].points[frame]
      expect(curves[2].points).toEqual(curves[0].points.slice(1))
      for (const c of curves) expect(c.cursor).toEqual({ frame: String(frame), x })
    }
  })

  it('steps one frame, shows the baseline in every tile, and amplifies the difference', async () => {
    await seekWith('#seek', 0)
    await page.click('#forward')
    await drawn(1)
    await page.click('#baseline')
    await page.waitForFunction(() => (document.querySelector('.tile[data-run="p0-s1/t0.1"]') as HTMLElement).dataset.showing === 'baseline')
    for (const run of RUNS) expect(await tilePixels(run)).toEqual(pngPixels('p0-s1/baseline', 1))
    await page.click('#baseline')
    await page.select('#view', 'difference')
    await page.waitForFunction(() => (document.querySelector('.tile[data-run="p0-s1/t0.1"]') as HTMLElement).dataset.showing === 'difference')
    // t0.1 is the baseline + 2 in every value, t0.2 + 5; the gain is 8.
    const expected = (shift: number) => pngPixels('p0-s1/baseline', 1).map((v, i) => (i % 4 === 3 ? 255 : shift * 8))
    expect(await tilePixels('p0-s1/t0.1')).toEqual(expected(2))
    expect(await tilePixels('p0-s1/t0.2')).toEqual(expected(5))
    expect(await tilePixels('p0-s1/baseline')).toEqual(pngPixels('p0-s1/baseline', 1))
    await page.select('#view', 'frames')
    await page.waitForFunction(() => (document.querySelector('.tile[data-run="p0-s1/t0.1"]') as HTMLElement).dataset.showing === 'image')
  })

  it('plays every tile from one clock and pauses them on the same frame', async () => {
    await seekWith('#seek', 0)
    await page.select('#speed', '2')
    await page.click('#play')
    await page.waitForFunction(() => document.body.dataset.frame === '2')
    await page.click('#play')
    const frame = await page.evaluate(() => document.body.dataset.frame)
    await drawn(Number(frame))
    expect(await page.$$eval('.tile', (tiles) => tiles.map((t) => (t as HTMLElement).dataset.drawn))).toEqual([frame, frame, frame])
    expect(await page.evaluate(() => document.body.dataset.playing)).toBe('false')
  })

  it('shows the other prompt and seed on demand, a failed run as its status', async () => {
    await page.select('#group', '1')
    await page.waitForFunction(() => document.querySelector('.tile')?.getAttribute('data-run') === 'p1-s1/baseline')
    expect(await page.$$eval('.tile', (tiles) => tiles.map((t) => (t as HTMLElement).dataset.run))).toEqual(['p1-s1/baseline', 'p1-s1/t0.1', 'p1-s1/t0.2'])
    expect(await page.$eval('.tile[data-run="p1-s1/t0.1"]', (t) => t.textContent)).toMatch(/failed/)
    expect(problems).toEqual([])
  })

  it('reads a group\'s per-frame series from its quality.json when the page does not carry them (large sweeps)', async () => {
    const collected = await collectSweep(dir)
    // As writeReport does: the series read only for the groups the page carries.
    const quality = await measureQuality(collected, { series: (run) => run.spec.group < 1 })
    const data = buildReportData(collected, quality, { computed: false, weights: [], reason: 'test' })
    await writeHtmlReport(dir, data, collected, quality, 'test', { embeddedGroups: 1 })
    await page.reload()
    await page.waitForSelector('body[data-ready="true"]')
    expect(requested.some((u) => u.endsWith('/quality.json'))).toBe(false)
    await page.select('#group', '1')
    await page.waitForFunction(() => document.querySelectorAll('#curves svg.curve .series').length === 3)
    expect(requested.filter((u) => u.endsWith('/quality.json')).map((u) => u.slice(server.origin.length))).toEqual(['/p1-s1/t0.2/quality.json'])
    const points = await page.$eval('svg.curve-psnr .series', (line) => line.getAttribute('points')!.split(' ').length)
    expect(points).toBe(3)
    expect(problems).toEqual([])
  })
})
