import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config/load.ts'
import type { RunContext } from '../../src/run/context.ts'
import { recordOf } from '../../src/run/finish.ts'
import { TeacacheError } from '../../src/errors.ts'
import { TINY_CONFIG } from '../helpers/configs.ts'

/** run.json from a generation's results: a pure function of what it is given (no clock, no Python). */
const config = parseConfig(TINY_CONFIG.replace('steps: 20', 'steps: 2'), '/tmp/cfg/tiny.yaml')
const facts = { model: 'tiny', device: 'cpu', device_name: 'CPU', dtype: 'float32', num_layers: 2, num_attention_heads: 2, version: '1.5', task: 't2v' } as RunContext['loaded']['facts']
const ctx = (over: Partial<RunContext> = {}): RunContext => ({
  loaded: { engine: {} as RunContext['loaded']['engine'], versions: { python: '3.11', torch: '2', diffusers: '0.42', transformers: '5', problems: [] }, facts, loadSeconds: 1, logFile: null },
  config: { ...config, teacache: { ...config.teacache, enabled: false } }, runDir: '/tmp/run', startedAt: new Date('2026-01-01T00:00:00Z'),
  loadSeconds: 1, warmup: { seconds: 2, compile: 0 }, policy: null, coefficients: null, timesteps: [999, 500], encodeSeconds: 0.5,
  denoise: { seconds: 3, step_seconds: [1.5, 1.5], block_loops: null, output_changes: null, distances: [null, 0.2], compute: null },
  decode: { seconds: 1, vae_seconds: 0.8, write_seconds: 0.25, frames: 17, height: 64, width: 64 },
  videoSeconds: 0.1, video: 'video.mp4', repeats: [{ denoise: 3, decode: 1 }, { denoise: 2, decode: 1 }], session: null, round: 1, ...over,
})

describe('recordOf', () => {
  it('gives the same record for the same results, with totals that count every second once', () => {
    const end = { status: 'completed' as const, memory: null, finishedAt: new Date('2026-01-01T00:01:00Z') }
    const record = recordOf(ctx(), end)
    expect(recordOf(ctx(), end)).toEqual(record)
    // load + warm-up + prompt + denoise + decode + frame writing + the second round + the MP4
    expect(record.timings_s.total).toBeCloseTo(1 + 2 + 0.5 + 3 + 1 + 0.25 + 3 + 0.1, 12)
    expect(record).toMatchObject({ status: 'completed', error: null, finished_at: '2026-01-01T00:01:00.000Z', computed_steps: 2, skipped_steps: 0, output: { frames_dir: 'frames', frames: 17 } })
    expect(record.steps.map((s) => [s.timestep, s.distance, s.seconds])).toEqual([[999, null, 1.5], [500, 0.2, 1.5]])
    expect(record.timing).toBeUndefined()
  })

  it.each([
    { error: new TeacacheError('DISK', 'no space left'), expected: { code: 'DISK', message: 'no space left' } },
    { error: new Error('boom'), expected: { code: 'INTERNAL', message: 'boom' } },
  ])('records a failure as $expected.code', ({ error, expected }) => {
    const record = recordOf(ctx({ decode: null, video: null }), { status: 'failed', error, memory: null, finishedAt: new Date(0) })
    expect(record.error).toEqual(expected)
    expect(record.output).toMatchObject({ video: null, frames_dir: null, frames: 0 })
  })

  it('carries the timing session of a sweep\'s rounds', () => {
    const session = { id: 'abcd', host: 'h', pid: 1, started_at: 'x', rounds: 2, setting: 'auto' as const, stop: 'interval' as const }
    expect(recordOf(ctx({ session }), { status: 'completed', memory: null, finishedAt: new Date(0) }).timing).toEqual({ sessions: [session] })
  })
})
