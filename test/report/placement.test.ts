import { describe, expect, it } from 'vitest'
import type { RunRecord } from '../../src/run/record.ts'
import { coldStart, describePlace, placementOf, processesOf, sameWorker, type PlacedRun } from '../../src/report/placement.ts'
import { worker } from '../fixtures/sweep.ts'

const placed = (id: string, w: ReturnType<typeof worker> | undefined, started: string, warmup?: number): PlacedRun => ({
  id,
  threshold: id.endsWith('baseline') ? null : Number(id.split('/t')[1]),
  record: { worker: w, started_at: `2025-01-01T00:00:${started}Z`, timings_s: { denoise: 1, decode: 1, ...(warmup === undefined ? {} : { warmup }) } } as unknown as RunRecord,
})

describe('sameWorker', () => {
  it.each([
    { a: worker(1), b: worker(1), same: true },
    { a: worker(1), b: worker(2), same: false },
    { a: worker(1, 'a'), b: worker(1, 'b'), same: false },
    { a: worker(1, 'a', 0), b: worker(1, 'a', 1), same: false },
    { a: { ...worker(1), device_name: 'NVIDIA H100' }, b: worker(1), same: false },
    { a: worker(1), b: undefined, same: null },
    { a: undefined, b: undefined, same: null },
  ])('$a.host/$a.pid vs $b.host/$b.pid: $same', ({ a, b, same }) => expect(sameWorker(a, b)).toBe(same))

  it('describes a worker in one line', () => {
    expect(describePlace(worker(42, 'gpu7', 3))).toBe('host `gpu7`, NVIDIA H200 (cuda, index 3), pid 42')
    expect(describePlace(worker(42, 'laptop', null))).toBe('host `laptop`, Test CPU (cpu), pid 42')
  })
})

describe('placementOf', () => {
  it.each([
    {
      name: 'one worker',
      runs: [placed('g/baseline', worker(1), '01'), placed('g/t0.5', worker(1), '02')],
      expected: { workers: [{ worker: worker(1), runs: ['g/baseline', 'g/t0.5'] }], unrecorded: [], split: false },
    },
    {
      name: 'a threshold on another process',
      runs: [placed('g/baseline', worker(1), '01'), placed('g/t0.5', worker(2), '02')],
      expected: { workers: [{ worker: worker(1), runs: ['g/baseline'] }, { worker: worker(2), runs: ['g/t0.5'] }], unrecorded: [], split: true },
    },
    {
      name: 'two thresholds apart, the baseline with neither recorded: no claim',
      runs: [placed('g/baseline', undefined, '01'), placed('g/t0.5', worker(1), '02'), placed('g/t1', worker(2), '03')],
      expected: { workers: [{ worker: worker(1), runs: ['g/t0.5'] }, { worker: worker(2), runs: ['g/t1'] }], unrecorded: ['g/baseline'], split: false },
    },
    { name: 'nothing ran', runs: [], expected: { workers: [], unrecorded: [], split: false } },
  ])('$name', ({ runs, expected }) => expect(placementOf(runs)).toEqual(expected))
})

describe('processesOf', () => {
  it('orders each process by start time and takes the warm-up of its first run', () => {
    const processes = processesOf([
      placed('p0/t0.5', worker(1), '05', 0),
      placed('p0/baseline', worker(1), '01', 2.5),
      placed('p1/baseline', worker(2, 'node1', 1), '02'),
      placed('p1/t0.5', worker(2, 'node1', 1), '04', 0),
      placed('old/baseline', undefined, '00'),
    ])
    expect(processes.map((p) => [p.worker?.pid ?? null, p.runs, p.warmup, coldStart(p)])).toEqual([
      [1, ['p0/baseline', 'p0/t0.5'], 2.5, false],
      [2, ['p1/baseline', 'p1/t0.5'], null, true],
      [null, ['old/baseline'], null, true],
    ])
  })

  it.each([
    { warmup: undefined, cold: true },
    { warmup: 0, cold: true },
    { warmup: 0.8, cold: false },
  ])('a first run with warm-up $warmup is a cold start: $cold', ({ warmup, cold }) => {
    expect(coldStart(processesOf([placed('a/baseline', worker(1), '01', warmup)])[0])).toBe(cold)
  })
})
