import { describe, expect, it } from 'vitest'
import { foreignLoad, machineBusySeconds, processCpuNanos } from '../../src/bench/cpu-time.ts'

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
    const until = performance.now() + 30
    while (performance.now() < until) Math.sqrt(Math.random())
    expect(processCpuNanos(process.pid)!).toBeGreaterThan(before + 10e6)
    expect(machineBusySeconds()).toBeGreaterThan(0)
  })

  it('gives null for a process that does not exist', () => {
    expect(processCpuNanos(2 ** 30)).toBeNull()
  })
})
