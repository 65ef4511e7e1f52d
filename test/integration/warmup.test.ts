import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { RunRecord } from '../../src/run/record.ts'
import { pythonTripwire, teacache, tempDir } from '../helpers/cli.ts'
import { TINY_CONFIG } from '../helpers/configs.ts'
import { repeatsFor } from '../../src/run/repeats.ts'

/** Warm-up and repeats on the tiny model: what run.json records, and that timed work excludes the warm-up. */
const work = tempDir('tc-warm-')
const config = join(work, 'tiny.yaml')
writeFileSync(config, TINY_CONFIG.replace('steps: 20', 'steps: 4'))
const read = (dir: string) => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunRecord

describe('warm-up and repeats', () => {
  it('run warms up before the timed generation and records it apart; --no-warmup skips it', async () => {
    const [warm, cold] = await Promise.all([
      teacache(['run', config, '--output', join(work, 'warm'), '--quiet']),
      teacache(['run', config, '--output', join(work, 'cold'), '--quiet', '--no-warmup']),
    ])
    expect([warm.exitCode, cold.exitCode]).toEqual([0, 0])
    const w = read(join(work, 'warm'))
    expect(w.timings_s.warmup).toBeGreaterThan(0)
    expect(w.timings_s.compile).toBe(0)
    expect(w.timings_s.total).toBeGreaterThanOrEqual(w.timings_s.load + w.timings_s.warmup! + w.timings_s.denoise + w.timings_s.decode)
    expect(w.repeats).toEqual([{ denoise: w.timings_s.denoise, decode: w.timings_s.decode }])
    expect(w.worker).toMatchObject({ device: 'cpu', device_index: null })
    expect(read(join(work, 'cold')).timings_s.warmup).toBe(0)
    // The warm-up changes nothing but timings: same frames.
    const frames = (dir: string) => readdirSync(join(dir, 'frames')).sort().map((f) => readFileSync(join(dir, 'frames', f)))
    expect(frames(join(work, 'warm')).every((buf, i) => buf.equals(frames(join(work, 'cold'))[i]))).toBe(true)
  })

  it('compile: blocks without a warm-up is refused before Python starts', async () => {
    const trip = pythonTripwire()
    const result = await teacache(['run', config, '--output', join(work, 'nope'), '--compile', 'blocks', '--no-warmup'], { env: trip.env })
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(/^teacache: --no-warmup: compile: blocks compiles the blocks during the warm-up/)
    expect(trip.started()).toBe(false)
  })

  it('sweep --repeats 3 times each cell three times, writes its frames once, and warms up once per process', async () => {
    const dir = join(work, 'sweep')
    const result = await teacache(['sweep', config, '--output', dir, '--thresholds', '1', '--repeats', '3', '--quiet'])
    expect(result.exitCode).toBe(0)
    for (const column of ['baseline', 't1']) {
      const record = read(join(dir, 'p0-s42', column))
      expect(record.repeats).toHaveLength(3)
      expect(record.repeats![0]).toEqual({ denoise: record.timings_s.denoise, decode: record.timings_s.decode })
      expect(record.repeats!.every((r) => r.denoise > 0 && r.decode > 0)).toBe(true)
      expect(readdirSync(join(dir, 'p0-s42', column, 'frames'))).toHaveLength(record.output.frames)
    }
    expect(read(join(dir, 'p0-s42', 'baseline')).timings_s.warmup).toBeGreaterThan(0)
    expect(read(join(dir, 'p0-s42', 't1')).timings_s.warmup).toBe(0)
  })

  it('sweep times each cell until 1 s is timed by default (repeats: auto), by the same rule for every cell', async () => {
    const dir = join(work, 'sweep-auto')
    const result = await teacache(['sweep', config, '--output', dir, '--thresholds', '1', '--quiet'])
    expect(result.exitCode).toBe(0)
    for (const column of ['baseline', 't1']) {
      const record = read(join(dir, 'p0-s42', column))
      const first = record.repeats![0]
      // A 4-step tiny generation is far under a second: more than one repeat, as the rule says.
      expect(record.repeats!.length).toBe(repeatsFor('auto', first.denoise + first.decode))
      expect(record.repeats!.length).toBeGreaterThan(1)
      expect(readdirSync(join(dir, 'p0-s42', column, 'frames'))).toHaveLength(record.output.frames)
    }
  })

  it.each([['0'], ['101'], ['1.5']])('--repeats %s is refused with exit 2', async (value) => {
    const result = await teacache(['sweep', config, '--output', join(work, `bad-${value}`), '--repeats', value], { env: pythonTripwire().env })
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toContain('--repeats')
  })
})
