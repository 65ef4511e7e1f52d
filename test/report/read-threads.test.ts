import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { fabricateSweep } from '../../bench/fabricate-sweep.ts'
import { collectSweep } from '../../src/report/collect.ts'
import { measureQuality } from '../../src/report/generate.ts'
import { QUALITY_FILE } from '../../src/report/quality-cache.ts'
import { READ_THREADS_ENV, readThreads, type ReadOptions } from '../../src/report/read-threads.ts'
import { INDEX_FILE } from '../../src/report/record-index.ts'
import { editRecord } from '../fixtures/records.ts'
import { tempDir } from '../helpers/temp.ts'

/** Everything a report takes from the folder's files, and the index it leaves, read the given way with no index to start from. */
async function readAll(dir: string, reads: ReadOptions) {
  rmSync(join(dir, INDEX_FILE), { force: true })
  const collected = await collectSweep(dir, { reads })
  const quality = await measureQuality(collected, { reads, series: (run) => run.spec.group % 7 === 0, threads: 1 })
  await collected.index.save()
  return { runs: collected.runs, quality: [...quality], index: readFileSync(join(dir, INDEX_FILE), 'utf8') }
}

const local: ReadOptions = { threads: 1 }
const threaded: ReadOptions = { threads: 2, minThreaded: 0 }

describe('reads on read threads', () => {
  let dir: string
  beforeAll(async () => {
    dir = tempDir('tc-reads-')
    // 150 prompts: 600 records and 447 quality.json files, several batches of each.
    await fabricateSweep(dir, 150, 8)
    writeFileSync(join(dir, 'p3-s42', 't0.1', 'run.json'), '{"status": "comp')
    editRecord(join(dir, 'p4-s42', 't0.2', 'run.json'), (r) => (r.config.guidance_scale = 9.5))
    rmSync(join(dir, 'p5-s42', 't0.15'), { recursive: true })
    writeFileSync(join(dir, 'p6-s42', 't0.1', QUALITY_FILE), 'not json')
    // Every file settled: the index takes them all.
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + 60_000)
  })
  afterAll(() => {
    vi.useRealTimers()
  })

  it('give exactly what reading on this thread gives: folders, metrics, series and the index', async () => {
    const here = await readAll(dir, local)
    const statuses = new Map(here.runs.map((r) => [r.spec.id, r.folder.status]))
    expect([statuses.get('p3-s42/t0.1'), statuses.get('p4-s42/t0.2'), statuses.get('p5-s42/t0.15')]).toEqual(['unreadable', 'excluded', 'missing'])
    expect(here.quality.filter(([, q]) => 'perFrame' in q && q.perFrame).length).toBeGreaterThan(0)
    expect(await readAll(dir, threaded)).toEqual(here)
  })

  it('read on this thread what a thread that dies leaves', async () => {
    const here = await readAll(dir, local)
    expect(await readAll(dir, { ...threaded, entry: new URL('../fixtures/dying-read-thread.mjs', import.meta.url) })).toEqual(here)
  })
})

describe('readThreads', () => {
  it.each([
    { env: {}, cores: 2, threads: 2 },
    { env: {}, cores: 64, threads: 8 },
    { env: { [READ_THREADS_ENV]: '1' }, cores: 8, threads: 1 },
    { env: { [READ_THREADS_ENV]: '12' }, cores: 2, threads: 12 },
  ])('$env on $cores cores: $threads', ({ env, cores, threads }) => {
    expect(readThreads(env, cores)).toBe(threads)
  })

  it('refuses a count that is not one, naming the variable', () => {
    expect(() => readThreads({ [READ_THREADS_ENV]: 'all' }, 4)).toThrow(`${READ_THREADS_ENV}: expected an integer from 1 to 256, got "all"`)
  })
})
