import { describe, expect, it } from 'vitest'
import type { RunRecord } from '../../src/run/record.ts'
import { median, runTiming } from '../../src/report/timing.ts'

const record = (denoise: number, decode: number, repeats?: Array<[number, number]>) =>
  ({ timings_s: { denoise, decode }, ...(repeats ? { repeats: repeats.map(([d, c]) => ({ denoise: d, decode: c })) } : {}) }) as unknown as RunRecord

describe('median', () => {
  it.each([
    { values: [], median: null },
    { values: [5], median: 5 },
    { values: [3, 1, 2], median: 2 },
    { values: [4, 1, 3, 2], median: 2.5 },
  ])('$values -> $median', ({ values, median: m }) => expect(median(values)).toBe(m))
})

describe('runTiming', () => {
  it.each([
    { name: 'no repeats: the run itself', r: record(2, 0.5), n: 1, latency: 2.5, denoise: 2, min: 2.5, max: 2.5 },
    { name: 'empty repeats: the run itself', r: record(2, 0.5, []), n: 1, latency: 2.5, denoise: 2, min: 2.5, max: 2.5 },
    { name: 'odd n: the middle repeat', r: record(9, 1, [[9, 1], [2, 0.5], [1.8, 0.4]]), n: 3, latency: 2.5, denoise: 2, min: 2.2, max: 10 },
    { name: 'even n: mean of the middle two', r: record(1, 0, [[1, 0], [2, 0], [4, 1], [8, 0]]), n: 4, latency: 3.5, denoise: 3, min: 1, max: 8 },
    { name: 'sorted by the sum, not by denoise', r: record(1, 5, [[1, 5], [2, 1], [3, 1]]), n: 3, latency: 4, denoise: 3, min: 3, max: 6 },
  ])('$name', ({ r, n, latency, denoise, min, max }) => {
    const t = runTiming(r)
    expect(t).toMatchObject({ n, min, max })
    expect(t.latency).toBeCloseTo(latency, 12)
    expect(t.denoise).toBeCloseTo(denoise, 12)
    expect(t.denoise + t.decode).toBeCloseTo(t.latency, 12)
  })
})
