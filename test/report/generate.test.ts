import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execa } from 'execa'
import { describe, expect, it } from 'vitest'
import { encodePng } from '../../src/quality/png.ts'
import { collectSweep } from '../../src/report/collect.ts'
import { layoutFor } from '../../src/report/compare.ts'
import { measureQuality, writeReport } from '../../src/report/generate.ts'
import { renderLabel } from '../../src/report/label.ts'
import { QUALITY_FILE } from '../../src/report/quality-cache.ts'
import { ffmpegPath } from '../../src/video/ffmpeg.ts'
import { ROOT } from '../helpers/cli.ts'
import { coldBaselineFixture, fixtureFrame, twoPromptFixture } from '../fixtures/sweep.ts'
import { tempDir } from '../helpers/temp.ts'
import { reachable } from '../helpers/reachable.ts'

/** The first frame of a video as 8-bit RGB. */
async function firstFrame(file: string, width: number, height: number): Promise<Uint8Array> {
  const { stdout } = await execa(ffmpegPath(), ['-v', 'error', '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { encoding: 'buffer' })
  expect(stdout.length).toBe(width * height * 3)
  return new Uint8Array(stdout)
}

describe('teacache report from fixture run folders', () => {
  it('writes REPORT.md, chart.svg and a comparison video per prompt and seed, the same on every regeneration', async () => {
    const dir = tempDir('tc-generate-')
    twoPromptFixture(dir)
    const lpips = { computed: false as const, weights: [], reason: 'test' }
    const { path } = await writeReport(dir, { lpips })
    const first = readFileSync(path, 'utf8')
    for (const file of ['REPORT.md', 'chart.svg', 'compare-p0-s1.mp4', 'compare-p1-s1.mp4']) expect(existsSync(join(dir, file))).toBe(true)
    expect(first).toContain('[compare-p0-s1.mp4](compare-p0-s1.mp4)')
    await writeReport(dir, { lpips, videos: false })
    const again = readFileSync(path, 'utf8')
    expect(again.replace(/## Side-by-side videos[\s\S]*?(?=## )/, '')).toBe(first.replace(/## Side-by-side videos[\s\S]*?(?=## )/, ''))
  })

  it('labels a suspect speedup SUSPECT in the comparison video, never as a bare number', async () => {
    const dir = tempDir('tc-generate-')
    coldBaselineFixture(dir)
    const { data } = await writeReport(dir, { lpips: { computed: false as const, weights: [], reason: 'test' } })
    const layout = layoutFor(16, 16, 3)
    const frameWidth = layout.columns * layout.tileWidth
    const frame = await firstFrame(join(dir, 'compare-p0-s42.mp4'), frameWidth, layout.rows * (layout.tileHeight + layout.labelHeight))
    // Ink (bright pixels) of tile i's label strip against a label rendered from text.
    const mismatches = (tile: number, text: string) => {
      const label = renderLabel(text, layout.tileWidth, layout.labelScale)
      const x0 = (tile % layout.columns) * layout.tileWidth
      const y0 = Math.floor(tile / layout.columns) * (layout.tileHeight + layout.labelHeight)
      let wrong = 0
      for (let y = 0; y < label.height; y++) {
        for (let x = 0; x < label.width; x++) {
          const shown = frame[((y0 + y) * frameWidth + x0 + x) * 3 + 1] > 128
          if (shown !== (label.rgb[(y * label.width + x) * 3] === 255)) wrong++
        }
      }
      return wrong
    }
    const t05 = data.runs.find((r) => r.id === 'p0-s42/t0.5')!
    expect(t05.suspect).not.toBeNull()
    const marked = `t=0.5 ${t05.speedup!.toFixed(2)}x SUSPECT`
    const bare = `t=0.5 ${t05.speedup!.toFixed(2)}x`
    // The decoded label matches the marked text closely and the bare one clearly less.
    expect(mismatches(1, marked)).toBeLessThan(mismatches(1, bare) / 4)
    expect(mismatches(0, 'baseline')).toBeLessThan(mismatches(0, 'baseline SUSPECT') / 4)
  })

  it('needs a sweep folder', async () => {
    await expect(writeReport(tempDir('tc-empty-'))).rejects.toThrow(/not a sweep folder \(no sweep.json\)/)
  })

  it('never loads the Python bridge: report.ts reaches no module that imports pythonia', () => {
    // The metric and read threads are started from file URLs, not imports: follow their bootstraps too.
    const entries = [join(ROOT, 'src', 'commands', 'report.ts'), join(ROOT, 'src', 'quality', 'thread.mjs'), join(ROOT, 'src', 'report', 'read-thread.mjs')]
    const modules = [...new Set(entries.flatMap((entry) => [...reachable(entry)]))].map((m) => m.slice(ROOT.length + 1))
    expect(modules).toContain('src/report/generate.ts')
    expect(modules).toContain('src/quality/pool.ts')
    expect(modules).toContain('src/quality/thread.ts')
    expect(modules).toContain('src/quality/ssim.ts')
    expect(modules).toContain('src/report/read-thread.ts')
    expect(modules).not.toContain('src/python/bridge.ts')
    for (const m of modules) expect(readFileSync(join(ROOT, m), 'utf8')).not.toMatch(/from 'pythonia'|import\('pythonia'\)/)
  })
})

describe('measureQuality keeps each pair\'s metrics in quality.json beside the run', () => {
  /** Replace a run's frames with the baseline's shifted by `shift` (MSE shift^2), leaving run.json as it is. */
  const reshift = (runDir: string, shift: number) => {
    for (let f = 0; f < 3; f++) writeFileSync(join(runDir, 'frames', `frame_${String(f).padStart(5, '0')}.png`), encodePng(fixtureFrame(f, shift)))
  }
  /** What `teacache sweep` redoing a run leaves: a run.json with a new finish time. */
  const redo = (runDir: string, finishedAt: string) => {
    const path = join(runDir, 'run.json')
    writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, 'utf8')), finished_at: finishedAt }))
  }
  const mse = async (dir: string, id: string, threads = 1) => {
    const q = (await measureQuality(await collectSweep(dir), { threads })).get(id)!
    if ('error' in q) throw new Error(q.error)
    return q.mse
  }

  it('writes it for every measured pair and nothing for baselines or failed runs', async () => {
    const dir = tempDir('tc-qfile-')
    twoPromptFixture(dir)
    const first = await measureQuality(await collectSweep(dir), { threads: 2 })
    expect([...first.keys()]).toEqual(['p0-s1/t0.1', 'p0-s1/t0.2', 'p1-s1/t0.2'])
    expect(first.get('p0-s1/t0.1')).toMatchObject({ frames: 3, mse: 4 })
    for (const id of ['p0-s1/t0.1', 'p0-s1/t0.2', 'p1-s1/t0.2']) expect(existsSync(join(dir, id, QUALITY_FILE))).toBe(true)
    for (const id of ['p0-s1/baseline', 'p1-s1/baseline', 'p1-s1/t0.1']) expect(existsSync(join(dir, id, QUALITY_FILE))).toBe(false)
    // Regenerating gives the same map, per-frame series too, from the files.
    expect(await measureQuality(await collectSweep(dir), { threads: 1, series: () => true })).toEqual(first)
  })

  it('reuses the stored numbers until either run is redone, then measures again', async () => {
    const dir = tempDir('tc-qfile-')
    twoPromptFixture(dir)
    const run = join(dir, 'p0-s1', 't0.1')
    expect(await mse(dir, 'p0-s1/t0.1')).toBe(4)
    // New frames but the same run.json: the stored value is used, the frames are not read.
    reshift(run, 7)
    expect(await mse(dir, 'p0-s1/t0.1')).toBe(4)
    redo(run, '2030-01-01T00:00:00.000Z')
    expect(await mse(dir, 'p0-s1/t0.1', 2)).toBe(49)
    reshift(run, 3)
    expect(await mse(dir, 'p0-s1/t0.1')).toBe(49)
    redo(join(dir, 'p0-s1', 'baseline'), '2030-01-02T00:00:00.000Z')
    expect(await mse(dir, 'p0-s1/t0.1')).toBe(9)
    expect(JSON.parse(readFileSync(join(run, QUALITY_FILE), 'utf8'))).toMatchObject({ mse: 9, key: { baseline: { finished_at: '2030-01-02T00:00:00.000Z' }, run: { finished_at: '2030-01-01T00:00:00.000Z' } } })
  })

  it('ignores a corrupt file and writes a good one in its place', async () => {
    const dir = tempDir('tc-qfile-')
    twoPromptFixture(dir)
    const file = join(dir, 'p0-s1', 't0.2', QUALITY_FILE)
    writeFileSync(file, '{"format": "teacache-quality/1", "mse": 0')
    expect(await mse(dir, 'p0-s1/t0.2')).toBe(25)
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ format: 'teacache-quality/2', baseline: 'p0-s1/baseline', frames: 3, mse: 25 })
  })
})
