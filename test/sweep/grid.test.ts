import { describe, expect, it } from 'vitest'
import { buildRuns, inShard, parseShard, splitShard, type Shard } from '../../src/sweep/grid.ts'
import { makeVariant } from '../../src/methods/variant.ts'

const grid = { prompts: ['a', 'b'], seeds: [42, 7], thresholds: [0.3, 0.1, 0.2] }

describe('sweep grid', () => {
  it('puts each prompt and seed\'s baseline first, then thresholds ascending, with folder ids', () => {
    const runs = buildRuns(grid)
    expect(runs).toHaveLength(2 * 2 * 4)
    expect(runs.slice(0, 5).map((r) => r.id)).toEqual(['p0-s42/baseline', 'p0-s42/t0.1', 'p0-s42/t0.2', 'p0-s42/t0.3', 'p0-s7/baseline'])
    expect(runs.map((r) => r.index)).toEqual(runs.map((_, i) => i))
    expect(runs.map((r) => r.group)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3])
    expect(runs.at(-1)).toMatchObject({ id: 'p1-s7/t0.3', prompt: 'b', promptIndex: 1, seed: 7, threshold: 0.3 })
    expect(new Set(runs.map((r) => r.id)).size).toBe(runs.length)
  })

  it('puts diffusers\' caches after the thresholds, on eager blocks only, named by their variant id', () => {
    const fbc = makeVariant('fbc', { threshold: 0.05 })
    const pab = makeVariant('pab', { spatial_attention_block_skip_range: 2, spatial_attention_timestep_skip_range: [100, 800] })
    const runs = buildRuns({ prompts: ['a'], seeds: [42], thresholds: [0.1], compile: ['none', 'blocks'], methods: [fbc, pab] })
    expect(runs.map((r) => r.id)).toEqual(['p0-s42/baseline', 'p0-s42/t0.1', 'p0-s42/fbc0.05', 'p0-s42/pab', 'p0-s42/baseline-compiled', 'p0-s42/t0.1-compiled'])
    expect(runs[2]).toMatchObject({ threshold: null, compile: 'none', method: fbc, group: 0 })
    expect(runs.filter((r) => r.method === null)).toHaveLength(4)
    // A TeaCache-only grid is exactly what it was: no method key on any run's id.
    expect(buildRuns(grid).every((r) => r.method === null)).toBe(true)
  })

  it.each([1, 2, 3, 5, 16])('%i shards cover every run exactly once, each prompt and seed on one shard', (count) => {
    const runs = buildRuns(grid)
    const owners = runs.map((run) => Array.from({ length: count }, (_, i) => i + 1).filter((index) => inShard(run, { index, count })))
    expect(owners.every((o) => o.length === 1)).toBe(true)
    const shardOf = new Map<string, Set<number>>()
    runs.forEach((run, i) => shardOf.set(run.id.split('/')[0], new Set([...(shardOf.get(run.id.split('/')[0]) ?? []), owners[i][0]])))
    expect([...shardOf.values()].every((shards) => shards.size === 1)).toBe(true)
    const groups = Array.from({ length: count }, (_, i) => [...shardOf.values()].filter((s) => s.has(i + 1)).length)
    expect(Math.max(...groups) - Math.min(...groups)).toBeLessThanOrEqual(1)
  })

  it.each([
    { shard: undefined, workers: 2 },
    { shard: { index: 2, count: 3 }, workers: 2 },
    { shard: { index: 1, count: 2 }, workers: 4 },
  ])('splitting shard $shard over $workers workers gives exactly that shard\'s runs', ({ shard, workers }) => {
    const runs = buildRuns(grid)
    const parts = splitShard(shard as Shard | undefined, workers)
    const mine = runs.filter((r) => inShard(r, shard as Shard | undefined)).map((r) => r.id)
    const union = parts.flatMap((part) => runs.filter((r) => inShard(r, part)).map((r) => r.id))
    expect(union.sort()).toEqual(mine.sort())
    expect(new Set(union).size).toBe(union.length)
  })

  it.each([
    ['1/1', { index: 1, count: 1 }],
    [' 3 / 4 ', { index: 3, count: 4 }],
  ])('parses shard "%s"', (text, shard) => expect(parseShard(text)).toEqual(shard))

  it.each(['0/2', '3/2', '1/0', 'a/b', '1', '1/2/3', '-1/2'])('rejects shard "%s"', (text) => {
    expect(() => parseShard(text)).toThrow(/expected i\/n with 1 <= i <= n/)
  })
})
