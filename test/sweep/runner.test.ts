import { existsSync, readFileSync, readdirSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { TeacacheError } from '../../src/errors.ts'
import type { Engine, ModelFacts } from '../../src/python/engine.ts'
import { writeReport } from '../../src/report/generate.ts'
import { encodePng } from '../../src/quality/png.ts'
import type { Display } from '../../src/run/progress.ts'
import type { RunRecord } from '../../src/run/record.ts'
import type { Loaded } from '../../src/run/loaded.ts'
import type { Shutdown } from '../../src/run/signals.ts'
import { buildRuns, type Grid } from '../../src/sweep/grid.ts'
import { runClaimer } from '../../src/sweep/claim.ts'
import { acquireLock } from '../../src/util/lock.ts'
import { buildManifest, writeManifest } from '../../src/sweep/manifest.ts'
import { runConfig } from '../../src/sweep/cell-config.ts'
import { executeRuns, type PlannedRun } from '../../src/sweep/runner.ts'
import { baseConfig, fixtureFrame } from '../fixtures/sweep.ts'
import { FakeLog, FakeTerminal, onTerminal } from '../helpers/screen.ts'
import { tempDir } from '../helpers/temp.ts'
import { FACTS } from '../fixtures/engine.ts'

/**
 * The sweep loop against a stand-in engine (no Python): the prompt picks what the engine does,
 * so one run can fail, the Python process can "die", or a signal can arrive mid-run.
 */

function fakeLoaded(shutdown: { signal?: NodeJS.Signals }): Loaded {
  let lastPrompt = ''
  const engine = {
    pid: 1,
    encodePrompt: async () => ({ seconds: 0.01, cached: false }),
    async denoise(args, decide, onStep) {
      lastPrompt = args.prompt
      if (args.prompt === 'explode') throw new TeacacheError('PYTHON', 'RuntimeError: boom', { details: 'Traceback: boom' })
      if (args.prompt === 'die') throw new TeacacheError('PYTHON_DIED', 'the Python process exited unexpectedly')
      for (let i = 0; i < args.steps; i++) {
        if (args.prompt === 'signal' && i === 1) {
          shutdown.signal = 'SIGTERM'
          throw new TeacacheError('INTERRUPTED', 'stopped')
        }
        if (decide) decide(i, 1000 - i, i === 0 ? null : 0.6)
        else onStep!(i, 1000 - i)
      }
      const distances = decide ? null : Array.from({ length: args.steps }, (_, i) => (i === 0 ? null : 0.6))
      return { seconds: 0.1, step_seconds: Array(args.steps).fill(0.1 / args.steps), block_loops: null, output_changes: null, distances }
    },
    async decode(dir) {
      if (dir === null) return { seconds: 0.02, vae_seconds: 0.015, write_seconds: 0, frames: 2, height: 16, width: 16 }
      mkdirSync(dir, { recursive: true })
      if (lastPrompt === 'full') {
        writeFileSync(join(dir, 'frame_00000.png'), 'cut sh')
        throw new TeacacheError('DISK', `no space left on the device (ENOSPC) in ${dir}: free some space there or write the output elsewhere`)
      }
      for (let f = 0; f < 2; f++) writeFileSync(join(dir, `frame_0000${f}.png`), encodePng(fixtureFrame(f, 0)))
      return { seconds: 0.02, vae_seconds: 0.015, write_seconds: 0.01, frames: 2, height: 16, width: 16 }
    },
    memory: async () => ({ device_peak_bytes: null, host_peak_rss_bytes: 1 }),
    close: async () => {},
  } as Partial<Engine> as Engine
  return { engine, versions: { python: '3', torch: '2', diffusers: '0.42', transformers: '5', problems: [] }, facts: FACTS, loadSeconds: 1.5, logFile: '/dev/null' }
}

async function sweep(prompts: string[], dir = tempDir('tc-runner-'), display?: Display) {
  const grid: Grid = { prompts, seeds: [3], thresholds: [1] }
  const config = baseConfig(dir)
  await writeManifest(dir, buildManifest(config, grid))
  const planned: PlannedRun[] = buildRuns(grid).map((spec) => ({ spec, dir: join(dir, spec.id), config: runConfig(config, spec, dir), plan: { action: 'run', reason: 'new' } }))
  const state: { signal?: NodeJS.Signals } = {}
  const shutdown: Shutdown = { get signal() { return state.signal }, get exitCode() { return state.signal ? 143 : 0 }, dispose() {} }
  const loaded = fakeLoaded(state)
  const result = await executeRuns(planned, {
    setup: [], shutdown, quiet: display === undefined, display, loaded: () => loaded, loadSeconds: () => loaded.loadSeconds, claimRun: runClaimer({ force: false, protect: [] }),
  })
  const record = (id: string) => JSON.parse(readFileSync(join(dir, id, 'run.json'), 'utf8')) as RunRecord
  return { dir, ...result, record }
}

describe('sweep runner', () => {
  it('records every run in the run format, charging the model load to the first only', async () => {
    const { outcomes, fatal, record } = await sweep(['ok'])
    expect(fatal).toBeUndefined()
    expect(outcomes.map((o) => [o.spec.id, o.status])).toEqual([['p0-s3/baseline', 'completed'], ['p0-s3/t1', 'completed']])
    expect(record('p0-s3/baseline')).toMatchObject({ status: 'completed', teacache: { enabled: false }, timings_s: { load: 1.5 } })
    // A baseline records the distances its forward measured, every step computed.
    expect(record('p0-s3/baseline').steps.map((s: { distance: number | null; computed: boolean }) => [s.distance, s.computed])).toEqual([[null, true], [0.6, true], [0.6, true], [0.6, true]])
    // distances 0.6 with identity coefficients at threshold 1: step 1 skipped, step 2 computed (1.2), step 3 forced
    expect(record('p0-s3/t1')).toMatchObject({ status: 'completed', teacache: { enabled: true, rel_l1_thresh: 1 }, timings_s: { load: 0 }, computed_steps: 3, skipped_steps: 1 })
  })

  it('records a failed run with its error and goes on; REPORT.md shows it', async () => {
    const { dir, outcomes, fatal, record } = await sweep(['explode', 'ok'])
    expect(fatal).toBeUndefined()
    expect(outcomes.map((o) => o.status)).toEqual(['failed', 'failed', 'completed', 'completed'])
    expect(record('p0-s3/baseline')).toMatchObject({ status: 'failed', error: { code: 'PYTHON', message: 'RuntimeError: boom' } })
    expect(readFileSync(join(dir, 'p0-s3/baseline/error.txt'), 'utf8')).toBe('Traceback: boom')
    const { path } = await writeReport(dir, { videos: false, lpips: { computed: false, weights: [], reason: 'test' } })
    const md = readFileSync(path, 'utf8')
    expect(md).toContain('2 of 4 runs completed, 2 failed.')
    expect(md).toContain('| `p0-s3/baseline` | failed | — | — | — | — | — | — | — | failed: PYTHON: RuntimeError: boom |')
  })

  it.each([
    { prompt: 'die', status: 'failed', code: 'PYTHON_DIED' },
    { prompt: 'signal', status: 'interrupted', code: 'INTERRUPTED' },
  ])('stops the sweep when $code, recording the current run as $status', async ({ prompt, status, code }) => {
    const { dir, outcomes, fatal, record } = await sweep([prompt, 'ok'])
    expect(fatal).toMatchObject({ code })
    expect(outcomes.map((o) => o.status)).toEqual([status])
    expect(record('p0-s3/baseline').status).toBe(status)
    expect(existsSync(join(dir, 'p0-s3/t1'))).toBe(false)
    expect(existsSync(join(dir, 'p1-s3/baseline'))).toBe(false)
  })

  it('stops the sweep on a full disk, recording the run as failed and keeping no frame of it', async () => {
    const { dir, outcomes, fatal, record } = await sweep(['full', 'ok'])
    expect(fatal).toMatchObject({ code: 'DISK', exitCode: 1 })
    expect(outcomes.map((o) => o.status)).toEqual(['failed'])
    expect(record('p0-s3/baseline')).toMatchObject({ status: 'failed', error: { code: 'DISK' }, output: { frames_dir: null } })
    expect(readdirSync(join(dir, 'p0-s3/baseline'))).toEqual(['run.json'])
  })

  it('keeps a run that another process of the sweep completed meanwhile, instead of redoing it', async () => {
    const { dir, record } = await sweep(['ok'])
    const before = record('p0-s3/t1').started_at
    const again = await sweep(['ok'], dir)
    expect(again.fatal).toBeUndefined()
    expect(again.outcomes.map((o) => o.status)).toEqual(['skipped', 'skipped'])
    expect(record('p0-s3/t1').started_at).toBe(before)
  })

  it('never writes into a run folder another live process is writing: the sweep stops with exit 2', async () => {
    const dir = tempDir('tc-runner-')
    mkdirSync(join(dir, 'p0-s3/baseline'), { recursive: true })
    const lock = await acquireLock(join(dir, 'p0-s3/baseline', '.teacache-lock'))
    const { fatal, outcomes } = await sweep(['ok'], dir)
    await lock.release()
    expect(fatal).toMatchObject({ code: 'OUTPUT', exitCode: 2, message: expect.stringMatching(/another teacache process is writing .*p0-s3\/baseline \(pid \d+/) })
    expect(outcomes.map((o) => o.status)).toEqual(['failed'])
    expect(readdirSync(join(dir, 'p0-s3/baseline'))).toEqual([])
  })

  it('redoes a run folder only if everything in it is teacache\'s: a file of the user stops the sweep, untouched', async () => {
    const dir = tempDir('tc-runner-')
    mkdirSync(join(dir, 'p0-s3/baseline'), { recursive: true })
    writeFileSync(join(dir, 'p0-s3/baseline/notes.md'), 'mine')
    const { fatal } = await sweep(['ok'], dir)
    expect(fatal).toMatchObject({ code: 'OUTPUT', exitCode: 2, message: expect.stringMatching(/baseline would be replaced, but it is not a run folder teacache made: it holds files teacache did not write \(notes\.md\); nothing was removed/) })
    expect(readdirSync(join(dir, 'p0-s3/baseline'))).toEqual(['notes.md'])
  })

  it('shows a run stopped by a signal as interrupted, in a log and on a terminal', async () => {
    const run = 'p0-s3/baseline (baseline, no cache): interrupted by SIGTERM; recorded as interrupted, the same command redoes it'
    const sweepLine = '0 of 4 runs done: 0 completed, 0 already done, 0 failed: interrupted by SIGTERM'
    const log = new FakeLog()
    await sweep(['signal', 'ok'], undefined, { out: log, err: new FakeLog() })
    expect(log.lines().slice(-2)).toEqual([`■ ${run}`, `■ ${sweepLine}`])
    expect(log.written).not.toMatch(/FAILED|SKIPPED|✖/)
    const term = new FakeTerminal(120, 30)
    await onTerminal(term, () => sweep(['signal', 'ok'], undefined, { out: term, err: term }))
    expect(term.all()).toEqual([`■ ${sweepLine}`, `  ■ ${run}`])
  })

  it('on a terminal, lists the failed runs and counts the others', async () => {
    const term = new FakeTerminal(120, 30)
    const screens: string[][] = []
    const write = term.write.bind(term)
    const rounds: string[][] = []
    term.write = (chunk: string) => (write(chunk), chunk.includes('step 2/4') && (chunk.includes('timing round') ? rounds : screens).push(term.screen()), true)
    await onTerminal(term, () => sweep(['explode', 'ok'], undefined, { out: term, err: term }))
    const failed = ['p0-s3/baseline (baseline, no cache): failed: RuntimeError: boom', 'p0-s3/t1 (TeaCache 1): failed: RuntimeError: boom']
    expect(term.all()).toEqual(['✔ 4 of 4 runs done: 2 completed, 0 already done, 2 failed', `  › ${failed[0]}`, `    ${failed[1]}`])
    // While p1's second run denoises: the tally with the sweep's ETA, the current run, the failures.
    expect(screens.at(-1)).toEqual([
      expect.stringMatching(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] 3 of 4 runs done: 1 completed, 0 already done, 2 failed · sweep ETA \d+s$/),
      expect.stringMatching(/^ {2}› p1-s3\/t1 \(TeaCache 1\) · step 2\/4 · 1 computed · 1 skipped · ETA \d+s$/),
      ...failed.map((line) => `    ${line}`),
    ])
    // Later rounds of a group show as such under the same tally, the failures still listed.
    expect(rounds.at(-1)).toEqual([
      expect.stringMatching(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] 4 of 4 runs done: 2 completed, 0 already done, 2 failed · sweep ETA \d+s$/),
      expect.stringMatching(/^ {2}› p1-s3 timing round \d+ · p1-s3\/t1 \(TeaCache 1\) · step 2\/4 · 1 computed · 1 skipped · ETA estimating$/),
      ...failed.map((line) => `    ${line}`),
    ])
  })
})
