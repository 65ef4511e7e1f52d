import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodePng } from '../../../src/quality/png.ts'
import { HTML_REPORT } from '../../../src/report/html/write.ts'
import { teacache } from '../../helpers/cli.ts'
import { launchBrowser, type TestBrowser } from '../../helpers/browser.ts'
import { serveFolder, type StaticServer } from '../../helpers/static-server.ts'

/**
 * A real tiny sweep (Python, CPU, a few seconds) writes REPORT.html, and the page shows its
 * frames exactly. With TEACACHE_REPORT_SCREENSHOT=docs/report.png the page is also saved as the
 * README's picture.
 */
const SCREENSHOT = process.env.TEACACHE_REPORT_SCREENSHOT
let work: string
let sweep: string
let chrome: TestBrowser | undefined
let server: StaticServer | undefined

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'tc-html-sweep-'))
  sweep = join(work, 'sweep')
  const result = await teacache(['sweep', 'configs/tiny.yaml', '--repeats', '3', '--thresholds', '0.5,1', '--output', sweep, '--quiet'])
  expect(result.stderr).toBe('')
  expect(result.exitCode).toBe(0)
})

afterAll(async () => {
  await chrome?.close()
  await server?.close()
  rmSync(work, { recursive: true, force: true })
})

describe('a tiny sweep\'s REPORT.html', () => {
  it('is written beside REPORT.md, linked from it, and names only frames that exist', () => {
    expect(readFileSync(join(sweep, 'REPORT.md'), 'utf8')).toContain(`[${HTML_REPORT}](${HTML_REPORT})`)
    const html = readFileSync(join(sweep, HTML_REPORT), 'utf8')
    const model = JSON.parse(/id="teacache-data">([\s\S]*?)<\/script>/.exec(html)![1])
    const runs = model.groups.flatMap((g: { runs: Array<{ id: string; frames: string; count: number }> }) => g.runs)
    expect(runs.map((r: { id: string }) => r.id)).toEqual(['p0-s42/baseline', 'p0-s42/t0.5', 'p0-s42/t1'])
    for (const run of runs) {
      expect(run.count).toBe(17)
      expect(existsSync(join(sweep, run.frames, 'frame_00016.png'))).toBe(true)
    }
    expect(html).toContain('id="random-weights"')
  })

  it('shows each run\'s frames exactly in headless Chromium, with no console error', async () => {
    server = await serveFolder(sweep)
    chrome = await launchBrowser()
    const page = await chrome.browser.newPage()
    const errors: string[] = []
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()) })
    page.on('pageerror', (e) => errors.push(String(e)))
    await page.setViewport({ width: 1180, height: 1400 })
    await page.goto(`${server.origin}/${HTML_REPORT}`)
    await page.waitForSelector('body[data-ready="true"]')
    await page.$eval('#seek', (input) => {
      const range = input as HTMLInputElement
      range.value = '9'
      range.dispatchEvent(new Event('input', { bubbles: true }))
    })
    await page.waitForFunction(() => [...document.querySelectorAll('.tile')].every((t) => (t as HTMLElement).dataset.drawn === '9'))
    const pixels = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('.tile')].map((t) => {
      const canvas = t.querySelector('canvas') as HTMLCanvasElement
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data
      return [(t as HTMLElement).dataset.run, Array.from(data).filter((_, i) => i % 4 !== 3)]
    })))
    for (const [run, rgb] of Object.entries(pixels)) {
      expect(rgb).toEqual(Array.from(decodePng(readFileSync(join(sweep, run, 'frames', 'frame_00009.png'))).rgb))
    }
    expect(errors).toEqual([])
    if (SCREENSHOT) await page.screenshot({ path: resolve(SCREENSHOT), clip: { x: 0, y: 0, width: 1180, height: 1400 } })
  })
})
