import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { TeacacheError } from '../../src/errors.ts'
import { measurePair, type Span } from '../../src/quality/pair.ts'
import { encodePng } from '../../src/quality/png.ts'
import { DEFAULT_THREAD_CAP, openPool, qualityThreads, THREADS_ENV } from '../../src/quality/pool.ts'
import { fixtureFrame } from '../fixtures/sweep.ts'
import { tempDir } from '../helpers/cli.ts'

const one = (reference: string, candidate: string): Span => ({ references: [reference], candidates: [candidate], previous: null })

function framePair(dir: string, name: string, shift: number, size = [24, 16]): [string, string] {
  const folder = join(dir, name)
  mkdirSync(folder)
  const [a, b] = [join(folder, 'a.png'), join(folder, 'b.png')]
  writeFileSync(a, encodePng(fixtureFrame(1, 0, size[0], size[1])))
  writeFileSync(b, encodePng(fixtureFrame(1, shift, size[0], size[1])))
  return [a, b]
}

describe('qualityThreads', () => {
  it.each([
    { env: {}, cores: 2, threads: 2 },
    { env: {}, cores: 64, threads: DEFAULT_THREAD_CAP },
    { env: { [THREADS_ENV]: '' }, cores: 8, threads: 8 },
    { env: { [THREADS_ENV]: '1' }, cores: 8, threads: 1 },
    { env: { [THREADS_ENV]: ' 40 ' }, cores: 8, threads: 40 },
  ])('$env on $cores cores: $threads', ({ env, cores, threads }) => {
    expect(qualityThreads(env, cores)).toBe(threads)
  })

  it.each(['0', '-2', '1.5', 'four', '257'])('refuses %j in the environment with one line naming the variable', (value) => {
    expect(() => qualityThreads({ [THREADS_ENV]: value }, 4)).toThrow(new RegExp(`^${THREADS_ENV}: expected an integer from 1 to 256, got "${value}"$`))
  })
})

describe('the metric pool', () => {
  const dir = tempDir('tc-pool-')
  const pairs = [0, 3, 9].map((shift) => framePair(dir, `shift${shift}`, shift))

  it.each([1, 3])('with %i thread(s) gives exactly what measuring on this thread gives', async (threads) => {
    const pool = openPool(threads)
    try {
      expect(pool.threads).toBe(threads)
      const measured = (await Promise.all(pairs.map(([a, b]) => pool.measure(one(a, b))))).flat()
      expect(measured).toEqual(await Promise.all(pairs.map(([a, b]) => measurePair(a, b))))
      expect(measured.map((m) => m.squared)).toEqual([0, 9 * 24 * 16 * 3, 81 * 24 * 16 * 3])
    } finally {
      await pool.close()
    }
  })

  it('a worker\'s failure reaches the caller as the same kind of error, and the worker goes on', async () => {
    const [a] = framePair(dir, 'sizes', 0)
    const [, bigger] = framePair(dir, 'bigger', 0, [32, 16])
    const corrupt = join(dir, 'corrupt.png')
    writeFileSync(corrupt, 'not a png')
    const pool = openPool(2)
    try {
      const mismatch = await pool.measure(one(a, bigger)).catch((error: unknown) => error)
      expect(mismatch).toBeInstanceOf(TeacacheError)
      expect((mismatch as TeacacheError).code).toBe('INPUT')
      expect((mismatch as Error).message).toBe(`${bigger}: 32x16, but the reference frame is 24x16`)
      await expect(pool.measure(one(a, corrupt))).rejects.toThrow(`${corrupt}: not a readable PNG (`)
      await expect(pool.measure(one(a, join(dir, 'missing.png')))).rejects.toThrow(/ENOENT/)
      expect((await pool.measure(one(...pairs[1])))[0].squared).toBe(9 * 24 * 16 * 3)
    } finally {
      await pool.close()
    }
  })

  it('drops queued pairs whose signal aborted, and refuses work once closed', async () => {
    const pool = openPool(1)
    const stop = new AbortController()
    const first = pool.measure(one(...pairs[0]), stop.signal)
    const queued = pool.measure(one(...pairs[1]), stop.signal)
    stop.abort(new Error('the video already failed'))
    await expect(first).resolves.toMatchObject([{ squared: 0 }])
    await expect(queued).rejects.toThrow('the video already failed')
    await pool.close()
    await expect(pool.measure(one(...pairs[0]))).rejects.toThrow(/closed/)
  })
})
