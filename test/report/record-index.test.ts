import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { collectSweep } from '../../src/report/collect.ts'
import { measureQuality } from '../../src/report/generate.ts'
import { QUALITY_FILE } from '../../src/report/quality-cache.ts'
import { fileIdentity, INDEX_FILE, RecordIndex } from '../../src/report/record-index.ts'
import { editRecord, timedAt } from '../fixtures/records.ts'
import { twoPromptFixture } from '../fixtures/sweep.ts'
import { tempDir } from '../helpers/temp.ts'

/** What a report is made of: each cell's folder as judged, and the pooled metrics (series aside). */
async function report(dir: string) {
  const collected = await collectSweep(dir)
  const quality = await measureQuality(collected)
  await collected.index.save()
  return {
    runs: collected.runs.map((r) => ({ id: r.spec.id, folder: r.folder })),
    quality: [...quality].map(([id, q]) => [id, 'error' in q ? q : { ...q, perFrame: undefined }]),
  }
}

/** The same folder read with no index at all. */
async function fresh(dir: string) {
  const saved = readFileSync(join(dir, INDEX_FILE))
  writeFileSync(join(dir, INDEX_FILE), '')
  const result = await report(dir)
  writeFileSync(join(dir, INDEX_FILE), saved)
  return { result }
}

const record = (dir: string, id: string) => join(dir, id, 'run.json')
const manifestText = (dir: string) => readFileSync(join(dir, 'sweep.json'), 'utf8')

/**
 * A folder whose files have settled: the clock is moved past the window in which a file is too
 * fresh to index (an edit within one tick of the file times would keep its identity).
 */
async function indexed(): Promise<string> {
  const dir = tempDir('tc-index-')
  twoPromptFixture(dir)
  await report(dir) // measures quality and writes quality.json
  vi.setSystemTime(Date.now() + 60_000)
  await report(dir) // indexes every record and quality.json, now settled
  return dir
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('the report index (.teacache-index.json)', () => {
  it('answers for every settled record and quality.json, and a report through it reads what one without it reads', async () => {
    const dir = await indexed()
    const index = RecordIndex.load(dir, manifestText(dir))
    for (const id of ['p0-s1/baseline', 'p0-s1/t0.1', 'p0-s1/t0.2', 'p1-s1/baseline', 'p1-s1/t0.1', 'p1-s1/t0.2']) {
      expect(index.run(id, fileIdentity(record(dir, id))!, () => 'never asked: same manifest'), id).not.toBeNull()
    }
    const through = await report(dir)
    expect(through).toEqual((await fresh(dir)).result)
  })

  it('is not used for a file changed since: a record edited in place is read again', async () => {
    const dir = await indexed()
    editRecord(record(dir, 'p0-s1/t0.2'), timedAt(3))
    const { runs } = await report(dir)
    expect(runs.find((r) => r.id === 'p0-s1/t0.2')!.folder.digest!.timings_s.denoise).toBe(3)
    expect(await report(dir)).toEqual((await fresh(dir)).result)
  })

  it('indexes no file changed within the last few seconds: an edit in the same tick of the file times keeps its identity', async () => {
    const dir = await indexed()
    const digest = (await collectSweep(dir)).runs[0].folder.digest!
    const put = (changed: number) => {
      const index = RecordIndex.load(dir, manifestText(dir))
      index.putRun('p0-s1/baseline', { key: 'made-up', changed }, 'settings', digest)
      return index.save()
    }
    const known = () => RecordIndex.load(dir, manifestText(dir)).run('p0-s1/baseline', { key: 'made-up', changed: 0 }, () => 'settings')
    await put(Date.now() - 1000)
    expect(known()).toBeNull()
    await put(Date.now() - 10_000)
    expect(known()).toEqual(digest)
  })

  it('is not used for a quality.json rewritten since', async () => {
    const dir = await indexed()
    const file = join(dir, 'p0-s1/t0.1', QUALITY_FILE)
    const stored = JSON.parse(readFileSync(file, 'utf8'))
    // The same metrics for every frame scaled down: still believable, so the new figures must show.
    stored.mse /= 2
    stored.per_frame.mse = stored.per_frame.mse.map((m: number) => m / 2)
    stored.psnr = 10 * Math.log10((255 * 255) / stored.mse)
    stored.per_frame.psnr = stored.per_frame.mse.map((m: number) => (m === 0 ? null : 10 * Math.log10((255 * 255) / m)))
    writeFileSync(file, JSON.stringify(stored))
    const { quality } = await report(dir)
    expect((quality.find(([id]) => id === 'p0-s1/t0.1')![1] as { mse: number }).mse).toBe(stored.mse)
  })

  it.each([
    { name: 'a body edited by hand', spoil: (text: string) => text.replace(/"computed_steps":3/, '"computed_steps":4') },
    { name: 'a file cut short', spoil: (text: string) => text.slice(0, text.length >> 1) },
    { name: 'one another teacache version wrote', spoil: (text: string) => text.replace(/"teacache":"[^"]*"/, '"teacache":"0.0.0-other"') },
    { name: 'not JSON', spoil: () => '{' },
  ])('is ignored and written anew when it is $name', async ({ spoil }) => {
    const dir = await indexed()
    const path = join(dir, INDEX_FILE)
    const before = readFileSync(path, 'utf8')
    const spoilt = spoil(before)
    expect(spoilt).not.toBe(before)
    writeFileSync(path, spoilt)
    vi.setSystemTime(Date.now() + 60_000)
    const { result } = await fresh(dir)
    writeFileSync(path, spoilt)
    expect(await report(dir)).toEqual(result)
    expect(readFileSync(path, 'utf8')).toBe(before)
  })

  it('reads a run folder that became a file as unreadable, as without an index, instead of failing the report', async () => {
    const dir = await indexed()
    rmSync(join(dir, 'p0-s1/t0.2'), { recursive: true })
    writeFileSync(join(dir, 'p0-s1/t0.2'), 'not a folder')
    const { runs } = await report(dir)
    expect(runs.find((r) => r.id === 'p0-s1/t0.2')!.folder).toMatchObject({ status: 'unreadable', digest: null, problem: expect.stringContaining('ENOTDIR') })
  })

  it('keeps a record that still fits under a rewritten sweep.json, and never one made with other settings', async () => {
    const dir = await indexed()
    const manifest = JSON.parse(manifestText(dir))
    // The same manifest, written otherwise: the records fit their cells as before.
    writeFileSync(join(dir, 'sweep.json'), JSON.stringify(manifest))
    const same = await report(dir)
    expect(same.runs.filter((r) => r.folder.status === 'completed')).toHaveLength(5)
    // Other settings for every cell: no record of this folder is evidence for them, index or not.
    manifest.settings.guidance_scale = 9
    writeFileSync(join(dir, 'sweep.json'), JSON.stringify(manifest))
    const other = await report(dir)
    expect(other.runs.map((r) => r.folder.status)).toEqual(['excluded', 'excluded', 'excluded', 'excluded', 'excluded', 'excluded'])
  })
})
