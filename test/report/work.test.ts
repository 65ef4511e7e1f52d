import { describe, expect, it } from 'vitest'
import { stepWork, type RunDigest } from '../../src/report/digest.ts'
import { avoidedNothing, idealFromWork, wholeBlocksOnly, workOf } from '../../src/report/work.ts'
import { counts } from '../fixtures/sweep.ts'

const FULL = counts([[1, 1, 1], [1, 1, 1], [1, 1, 1], [1, 1, 1]])
// FirstBlockCache on a 2-layer model: the first block always runs, the second on steps 0 and 3.
const FBC = counts([[1, 1, 1], [0.5, 0.5, 0.5], [0.5, 0.5, 0.5], [1, 1, 1]])
// PAB: blocks run, attention reused on two steps.
const PAB = counts([[1, 1, 1], [1, 0, 1], [1, 1, 1], [1, 0, 1]])
// FasterCache: the unconditional row dropped on two steps.
const FASTER = counts([[1, 1, 1], [0.5, 0.5, 0.5], [0.5, 0, 0.5], [1, 1, 1]])

const record = (compute: RunDigest['compute'], teacache = false, blockLoops: number | null = null, steps = 4) =>
  ({ compute, teacache: { enabled: teacache }, block_loops: blockLoops, schedule: Array(steps).fill(true) }) as unknown as RunDigest

describe('work counted inside the blocks', () => {
  it('is the share of the baseline\'s rows that ran, per part', () => {
    expect(workOf(FBC, FULL)).toEqual({ blocks: 0.75, attention: 0.75, feedforward: 0.75 })
    expect(workOf(PAB, FULL)).toEqual({ blocks: 1, attention: 0.5, feedforward: 1 })
    expect(workOf(FULL, null)).toBeNull()
    expect(workOf(undefined, FULL)).toBeNull()
  })

  it.each([
    { what: 'a cache that ran every row its baseline ran', run: record(FULL), expected: true },
    { what: 'one that skipped blocks', run: record(FBC), expected: false },
    { what: 'one that reused only attention', run: record(PAB), expected: false },
    { what: 'one that dropped only rows of the batch', run: record(counts([[1, 1, 1], [0.5, 0.5, 0.5], [1, 1, 1], [1, 1, 1]])), expected: false },
    { what: 'a compiled TeaCache run that computed every step (no counts)', run: record(null, true, 4), expected: true },
    { what: 'a compiled TeaCache run that skipped a step', run: record(null, true, 3), expected: false },
    { what: 'a run with no counts and no TeaCache', run: record(null), expected: null },
  ])('avoided nothing: $what -> $expected', ({ run, expected }) => expect(avoidedNothing(run, record(FULL))).toBe(expected))

  it('bounds a cache that skips whole blocks only by the block rows it ran: (d + D) / (d·b + D)', () => {
    const fbc = workOf(FBC, FULL)!
    expect(wholeBlocksOnly(fbc)).toBe(true)
    // d = 8, D = 2, b = 0.75: 10 / 8
    expect(idealFromWork(fbc, { denoise: 8, decode: 2 })).toBeCloseTo(10 / 8, 12)
    // A full run's bound is 1: no speedup is possible.
    expect(idealFromWork(workOf(FULL, FULL)!, { denoise: 8, decode: 2 })).toBe(1)
  })

  it('gives no bound for a cache that reuses parts of blocks that still run', () => {
    expect(idealFromWork(workOf(PAB, FULL)!, { denoise: 8, decode: 2 })).toBeNull()
    expect(idealFromWork(workOf(FASTER, FULL)!, { denoise: 8, decode: 2 })).toBeNull()
  })

  it('tells per step how much of its work ran', () => {
    expect(stepWork(FBC)).toEqual([1, 0.5, 0.5, 1])
    expect(stepWork(PAB)).toEqual([1, 2 / 3, 1, 2 / 3])
    expect(stepWork(counts([[0, 0, 0]]))).toEqual([0])
    expect(stepWork(null)).toBeNull()
  })
})
