import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { Engine, ModelFacts } from '../../src/python/engine.ts'
import { encodePng } from '../../src/quality/png.ts'
import type { RunRecord } from '../../src/run/record.ts'
import type { Repeats } from '../../src/run/repeats.ts'
import type { Loaded } from '../../src/run/loaded.ts'
import type { Shutdown } from '../../src/run/signals.ts'
import { runClaimer } from '../../src/sweep/claim.ts'
import { buildRuns, type Grid } from '../../src/sweep/grid.ts'
import { buildManifest, writeManifest } from '../../src/sweep/manifest.ts'
import { groupsOf, roundIntervals, withRounds } from '../../src/sweep/rounds.ts'
import { runConfig } from '../../src/sweep/cell-config.ts'
import { executeRuns, type PlannedRun } from '../../src/sweep/runner.ts'
import { baseConfig, fixtureFrame } from '../fixtures/sweep.ts'
import { tempDir } from '../helpers/temp.ts'
import { FACTS } from '../fixtures/engine.ts'

/**
 * A group's timing rounds against a stand-in engine that reports scripted times (no Python, no
 * clock): the order cells are timed in, what each run.json records, when `auto` stops, and a
 * grown group's baseline timed again without its frames being rewritten.
 */

/** `seconds(cell, call)`: the denoise time the engine reports for the call-th denoise of that cell ("baseline", "t1"). */
function scriptedEngine(seconds: (cell: string, call: number) => number) {
  const order: string[] = []
  const writes: string[] = []
  const calls = new Map<string, number>()
  let current = ''
  const engine = {
    pid: 1,
    encodePrompt: async () => ({ seconds: 0.01, cached: true }),
    async denoise(args, decide, onStep) {
      current = decide ? `t${args.steps === 4 ? 1 : 0}` : 'baseline'
      if (decide) current = 't1'
      order.push(current)
      const call = (calls.get(current) ?? 0) + 1
      calls.set(current, call)
      for (let i = 0; i < args.steps; i++) {
        if (decide) decide(i, 1000 - i, i === 0 ? null : 0.6)
        else onStep!(i, 1000 - i)
      }
      const total = seconds(current, call)
      const distances = decide ? null : Array.from({ length: args.steps }, (_, i) => (i === 0 ? null : 0.6))
      return { seconds: total, step_seconds: Array(args.steps).fill(total / args.steps), block_loops: null, output_changes: null, distances }
    },
    async decode(dir) {
      if (dir === null) return { seconds: 0.5, vae_seconds: 0.5, write_seconds: 0, frames: 2, height: 16, width: 16 }
      writes.push(current)
      mkdirSync(dir, { recursive: true })
      for (let f = 0; f < 2; f++) writeFileSync(join(dir, `frame_0000${f}.png`), encodePng(fixtureFrame(f, 0)))
      return { seconds: 0.5, vae_seconds: 0.5, write_seconds: 0.01, frames: 2, height: 16, width: 16 }
    },
    memory: async () => ({ device_peak_bytes: null, host_peak_rss_bytes: 1 }),
    close: async () => {},
  } as Partial<Engine> as Engine
  const loaded: Loaded = { engine, versions: { python: '3', torch: '2', diffusers: '0.42', transformers: '5', problems: [] }, facts: FACTS, loadSeconds: 1, logFile: null }
  return { loaded, order, writes }
}

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

async function sweepWith(engine: ReturnType<typeof scriptedEngine>, repeats: Repeats, dir?: string) {
  if (!dir) dirs.push((dir = tempDir('tc-rounds-')))
  const grid: Grid = { prompts: ['ok'], seeds: [3], thresholds: [1] }
  const config = baseConfig(dir)
  await writeManifest(dir, buildManifest(config, grid), { replace: true })
  const planned: PlannedRun[] = []
  for (const spec of buildRuns(grid)) {
    const runDir = join(dir, spec.id)
    let record: RunRecord | null = null
    try {
      record = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'))
    } catch {}
    planned.push({ spec, dir: runDir, config: runConfig(config, spec, dir), plan: record ? { action: 'skip' } : { action: 'run', reason: 'new' }, record })
  }
  const shutdown: Shutdown = { signal: undefined, exitCode: 0, dispose() {} }
  const result = await executeRuns(planned, { setup: [], shutdown, quiet: true, repeats, loaded: () => engine.loaded, loadSeconds: () => 1, claimRun: runClaimer({ force: false, protect: [] }) })
  const record = (id: string) => JSON.parse(readFileSync(join(dir!, id, 'run.json'), 'utf8')) as RunRecord
  return { dir, ...result, record }
}

describe('timing rounds', () => {
  it('--repeats 3: the group is timed baseline, t1, baseline, t1, ...; frames written once per cell; every timing tagged with its session and round', async () => {
    const engine = scriptedEngine(() => 1)
    const { record, fatal } = await sweepWith(engine, 3)
    expect(fatal).toBeUndefined()
    expect(engine.order).toEqual(['baseline', 't1', 'baseline', 't1', 'baseline', 't1'])
    expect(engine.writes).toEqual(['baseline', 't1'])
    for (const id of ['p0-s3/baseline', 'p0-s3/t1']) {
      const r = record(id)
      expect(r.status).toBe('completed')
      const session = r.timing!.sessions[0]
      expect(session).toMatchObject({ rounds: 3, setting: 3, stop: 'fixed', pid: process.pid })
      expect(r.repeats!.map((t) => [t.session, t.round])).toEqual([[session.id, 1], [session.id, 2], [session.id, 3]])
    }
  })

  it('auto stops once every speedup\'s interval is within ±5%, after at least five rounds', async () => {
    const engine = scriptedEngine((cell) => (cell === 'baseline' ? 2 : 1))
    const { record } = await sweepWith(engine, 'auto')
    expect(record('p0-s3/t1').timing!.sessions[0]).toMatchObject({ rounds: 5, stop: 'interval' })
  })

  it('auto keeps adding rounds while a slow spell makes the ratios disagree, up to the round cap', async () => {
    // Every third denoise of the variant is three times slower: the interval never narrows to ±5%.
    const engine = scriptedEngine((cell, call) => (cell === 'baseline' ? 2 : call % 3 === 0 ? 3 : 1))
    const { record } = await sweepWith(engine, 'auto')
    expect(record('p0-s3/t1').timing!.sessions[0]).toMatchObject({ rounds: 20, stop: 'round-cap' })
  })

  it('auto times a generation of minutes once, and says the speedup comes from one pair', async () => {
    const engine = scriptedEngine(() => 60)
    const { record } = await sweepWith(engine, 'auto')
    expect(engine.order).toEqual(['baseline', 't1'])
    expect(record('p0-s3/t1').timing!.sessions[0]).toMatchObject({ rounds: 1, stop: 'long-generation' })
  })

  it('a grown group: the new process times the completed baseline again beside the new cell, without rewriting its frames', async () => {
    const first = await sweepWith(scriptedEngine(() => 1), 2)
    const baseline = join(first.dir, 'p0-s3/baseline')
    const frameTime = statSync(join(baseline, 'frames/frame_00000.png')).mtimeMs
    rmSync(join(first.dir, 'p0-s3/t1'), { recursive: true })
    const engine = scriptedEngine(() => 1)
    const again = await sweepWith(engine, 2, first.dir)
    expect(again.fatal).toBeUndefined()
    expect(engine.order).toEqual(['baseline', 't1', 'baseline', 't1'])
    expect(engine.writes).toEqual(['t1'])
    expect(statSync(join(baseline, 'frames/frame_00000.png')).mtimeMs).toBe(frameTime)
    const b = again.record('p0-s3/baseline')
    expect(b.status).toBe('completed')
    const [old, now] = b.timing!.sessions
    expect(now.id).not.toBe(old.id)
    expect(b.repeats!.map((t) => [t.session, t.round])).toEqual([[old.id, 1], [old.id, 2], [now.id, 1], [now.id, 2]])
    expect(again.record('p0-s3/t1').timing!.sessions.map((s) => s.id)).toEqual([now.id])
  })
})

describe('round bookkeeping', () => {
  it('groups runs by prompt and seed in grid order', () => {
    const runs = buildRuns({ prompts: ['a', 'b'], seeds: [1, 2], thresholds: [0.1] }).map((spec) => ({ spec }))
    expect(groupsOf(runs).map((g) => g.map((r) => r.spec.id))).toEqual([
      ['p0-s1/baseline', 'p0-s1/t0.1'], ['p0-s2/baseline', 'p0-s2/t0.1'], ['p1-s1/baseline', 'p1-s1/t0.1'], ['p1-s2/baseline', 'p1-s2/t0.1'],
    ])
  })

  it('pairs each variant\'s rounds with the baseline\'s of the same number', () => {
    const t = (round: number, denoise: number) => ({ denoise, decode: 0, session: 's', round })
    const [interval, none] = roundIntervals([t(1, 2), t(2, 4), t(3, 2)], [[t(1, 1), t(2, 2), t(3, 1)], []])
    expect(interval).toMatchObject({ n: 3, median: 2, low: 2, high: 2 })
    expect(none).toBeNull()
  })

  it('adds a session\'s rounds to a completed record, replacing only that session\'s own, and keeps an old record\'s one generation', () => {
    const session = { id: 'new', host: 'h', pid: 2, started_at: 'x', rounds: 2, setting: 'auto' as const, stop: 'interval' as const }
    const old = { timings_s: { denoise: 3, decode: 1 }, status: 'completed' } as unknown as RunRecord
    const once = withRounds(old, [{ denoise: 1, decode: 1, session: 'new', round: 1 }], session)
    const twice = withRounds(once, [{ denoise: 1, decode: 1, session: 'new', round: 1 }, { denoise: 2, decode: 1, session: 'new', round: 2 }], session)
    expect(twice.repeats).toEqual([{ denoise: 3, decode: 1 }, { denoise: 1, decode: 1, session: 'new', round: 1 }, { denoise: 2, decode: 1, session: 'new', round: 2 }])
    expect(twice.timing!.sessions).toEqual([session])
  })
})
