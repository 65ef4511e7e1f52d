import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { RunRecord } from '../../src/run/record.ts'
import { pythonTripwire, teacache, tempDir } from '../helpers/cli.ts'
import { TINY_CONFIG } from '../helpers/configs.ts'
import { AUTO } from '../../src/run/repeats.ts'

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
    expect(w.timing).toBeUndefined()
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

  it('sweep --repeats 3 times the group in three rounds, writes each cell\'s frames once, and warms up once per process', async () => {
    const dir = join(work, 'sweep')
    const result = await teacache(['sweep', config, '--output', dir, '--thresholds', '1', '--repeats', '3', '--quiet'])
    expect(result.exitCode).toBe(0)
    const sessions = new Set<string>()
    for (const column of ['baseline', 't1']) {
      const record = read(join(dir, 'p0-s42', column))
      const session = record.timing!.sessions[0]
      sessions.add(session.id)
      expect(session).toMatchObject({ rounds: 3, setting: 3, stop: 'fixed' })
      expect(record.repeats!.map((r) => [r.session, r.round])).toEqual([1, 2, 3].map((round) => [session.id, round]))
      expect(record.repeats![0]).toMatchObject({ denoise: record.timings_s.denoise, decode: record.timings_s.decode })
      expect(record.repeats!.every((r) => r.denoise > 0 && r.decode > 0)).toBe(true)
      expect(readdirSync(join(dir, 'p0-s42', column, 'frames'))).toHaveLength(record.output.frames)
    }
    // Both cells of the group were timed by one session: their rounds pair.
    expect(sessions.size).toBe(1)
    expect(read(join(dir, 'p0-s42', 'baseline')).timings_s.warmup).toBeGreaterThan(0)
    expect(read(join(dir, 'p0-s42', 't1')).timings_s.warmup).toBe(0)
  })

  it('sweep times the group in rounds by default (repeats: auto) and records which rule stopped them', async () => {
    const dir = join(work, 'sweep-auto')
    const result = await teacache(['sweep', config, '--output', dir, '--thresholds', '1', '--quiet'])
    expect(result.exitCode).toBe(0)
    const [baseline, t1] = ['baseline', 't1'].map((column) => read(join(dir, 'p0-s42', column)))
    const session = t1.timing!.sessions[0]
    // How many rounds a busy machine needs is not the test's business; that the record is consistent is.
    expect(baseline.timing!.sessions[0]).toEqual(session)
    expect(session.setting).toBe('auto')
    expect(['interval', 'round-cap', 'time-cap', 'long-generation']).toContain(session.stop)
    if (session.stop === 'interval') expect(session.rounds).toBeGreaterThanOrEqual(AUTO.minRounds)
    if (session.stop === 'round-cap') expect(session.rounds).toBe(AUTO.maxRounds)
    for (const record of [baseline, t1]) {
      expect(record.repeats!.map((r) => r.round)).toEqual(Array.from({ length: session.rounds }, (_, i) => i + 1))
      expect(readdirSync(join(dir, 'p0-s42', record === t1 ? 't1' : 'baseline', 'frames'))).toHaveLength(record.output.frames)
    }
    const report = readFileSync(join(dir, 'REPORT.md'), 'utf8')
    expect(report).toContain('## Timing sessions')
    expect(report).toContain(`session \`${session.id}\``)
  })

  it.each([['0'], ['101'], ['1.5']])('--repeats %s is refused with exit 2', async (value) => {
    const result = await teacache(['sweep', config, '--output', join(work, `bad-${value}`), '--repeats', value], { env: pythonTripwire().env })
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toContain('--repeats')
  })
})
