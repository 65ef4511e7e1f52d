import { describe, expect, it } from 'vitest'
import { benchEnvironment, MALLOC_SETTINGS } from '../../src/bench/environment.ts'

describe('benchEnvironment', () => {
  it('keeps malloc memory and leaves OpenMP spinning on an idle machine', () => {
    const { set, reasons } = benchEnvironment({}, 0.02)
    expect(set).toEqual(MALLOC_SETTINGS)
    expect(reasons).toHaveLength(1)
  })

  it('switches OpenMP to passive waiting when other work holds the CPU', () => {
    const { set, reasons } = benchEnvironment({}, 0.6)
    expect(set.OMP_WAIT_POLICY).toBe('PASSIVE')
    expect(reasons.at(-1)).toMatch(/other processes used 60% of the CPU/)
  })

  it('never overrides what the user set', () => {
    const user = { OMP_WAIT_POLICY: 'ACTIVE', MALLOC_TRIM_THRESHOLD_: '0' }
    const { set } = benchEnvironment(user, 0.9)
    expect(set.OMP_WAIT_POLICY).toBeUndefined()
    expect(set.MALLOC_TRIM_THRESHOLD_).toBeUndefined()
    expect(set.MALLOC_MMAP_THRESHOLD_).toBe(MALLOC_SETTINGS.MALLOC_MMAP_THRESHOLD_)
  })

  it('stays spinning when the load cannot be read', () => {
    expect(benchEnvironment({}, null).set.OMP_WAIT_POLICY).toBeUndefined()
  })
})
