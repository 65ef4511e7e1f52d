import { describe, expect, it } from 'vitest'
import { foreignLoad, machineBusySeconds, processCpuNanos, selfAndChildrenCpuSeconds } from '../../src/bench/cpu-time.ts'

describe('foreignLoad', () => {
  it.each([
    // busy, ours, wall, cores, share of the machine used by others
    [2, 2, 1, 2, 0],
    [4, 2, 1, 2, 1],
    [3, 2, 1, 2, 0.5],
    [1.9, 2, 1, 2, 0], // tick rounding can put the machine below our own use
    [10, 2, 1, 2, 1],
  ])('busy %d s with %d s ours over %d s on %d cores: %d', (busy, ours, wall, cores, expected) => {
    expect(foreignLoad(busy, ours, wall, cores)).toBeCloseTo(expected, 12)
  })
})

describe.skipIf(process.platform !== 'linux')('reading /proc', () => {
  it('counts this process\'s own CPU time, which grows while it works', () => {
    const before = processCpuNanos(process.pid)!
    const beforeSelf = selfAndChildrenCpuSeconds()!
    // Spin until the thread counters show 40 ms of work (however busy the machine is).
    const deadline = performance.now() + 10_000
    while (processCpuNanos(process.pid)! < before + 40e6 && performance.now() < deadline) Math.sqrt(Math.random())
    expect(processCpuNanos(process.pid)!).toBeGreaterThanOrEqual(before + 40e6)
    // /proc/self/stat counts in 10 ms ticks: 40 ms of work shows as at least 20 ms.
    expect(selfAndChildrenCpuSeconds()!).toBeGreaterThanOrEqual(beforeSelf + 0.02)
    expect(machineBusySeconds()).toBeGreaterThan(0)
  })

  it('gives null for a process that does not exist', () => {
    expect(processCpuNanos(2 ** 30)).toBeNull()
  })
})
