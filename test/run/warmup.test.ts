import { describe, expect, it } from 'vitest'
import type { LoadedConfig } from '../../src/config/load.ts'
import type { Decide, Engine, OnStep, WarmupArgs } from '../../src/python/engine.ts'
import { WARMUP_MAX_GENERATIONS, WARMUP_STEPS, warmUp } from '../../src/run/warmup.ts'

interface Call {
  steps: number
  path: 'none' | 'teacache' | 'stock'
  /** What the decide callback answered for each step, when there was one. */
  computed: boolean[]
}

/** An engine whose warm-up generations take `seconds(i)` each and call back as Python would. */
function fakeEngine(seconds: (i: number) => number, compileSeconds = 0) {
  const calls: Call[] = []
  const engine = {
    async warmup(args: WarmupArgs, decide?: Decide | null, onStep?: OnStep | null) {
      const computed: boolean[] = []
      for (let i = 0; i < args.steps; i++) {
        if (decide) computed.push(decide(i, 1000 - i, i === 0 ? null : 0.5))
        else onStep?.(i, 1000 - i)
      }
      calls.push({ steps: args.steps, path: decide ? 'teacache' : onStep ? 'stock' : 'none', computed })
      return { seconds: seconds(calls.length - 1), step_seconds: [], decode_seconds: 0, compile_seconds: calls.length === 1 ? compileSeconds : 0 }
    },
  } as unknown as Engine
  return { engine, calls }
}

const config = (teacache: boolean) =>
  ({ steps: 20, guidance_scale: 6, use_dynamic_cfg: true, height: 64, width: 64, frames: 17, compile: 'none', teacache: { enabled: teacache, rel_l1_thresh: 0.3 } }) as unknown as LoadedConfig

describe('warmUp', () => {
  it('a generation past the minimum (full size: 33 s) is the whole warm-up: 2 steps and a decode', async () => {
    const { engine, calls } = fakeEngine(() => 33, 30)
    expect(await warmUp(engine, config(true))).toEqual({ seconds: 33, compile: 30 })
    expect(calls).toEqual([{ steps: WARMUP_STEPS, path: 'none', computed: [] }])
  })

  it('short generations go on at the timed step count, alternating the TeaCache and stock paths, until 2 s have passed', async () => {
    const { engine, calls } = fakeEngine(() => 0.45)
    const record = await warmUp(engine, config(true))
    // 0.45 s each: 5 generations reach 2.25 s.
    expect(calls.map((c) => [c.steps, c.path])).toEqual([[2, 'none'], [20, 'teacache'], [20, 'stock'], [20, 'teacache'], [20, 'stock']])
    expect(record.seconds).toBeCloseTo(2.25, 9)
    // The policy at threshold 0 decides every step and computes every one.
    expect(calls[1].computed).toEqual(Array(20).fill(true))
  })

  it('takes only the stock path when the timed runs do not use TeaCache', async () => {
    const { engine, calls } = fakeEngine(() => 0.9)
    await warmUp(engine, config(false))
    expect(calls.map((c) => c.path)).toEqual(['none', 'stock', 'stock'])
  })

  it('stops after a bounded number of generations however short they are', async () => {
    const { engine, calls } = fakeEngine(() => 0.001)
    await warmUp(engine, config(true))
    expect(calls).toHaveLength(WARMUP_MAX_GENERATIONS)
  })
})
