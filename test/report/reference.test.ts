import { describe, expect, it } from 'vitest'
import { publishedAt, referenceFor, type ReferenceSetup } from '../../src/report/reference.ts'

const REF: ReferenceSetup = { version: '1.5', task: 't2v', num_layers: 42, num_attention_heads: 48, width: 1360, height: 768, frames: 81, steps: 50 }

describe('published reference', () => {
  it.each([
    { change: {}, matches: true },
    { change: { task: 'i2v' as const }, matches: true },
    { change: { steps: 30 }, matches: false },
    { change: { width: 1024 }, matches: false },
    { change: { frames: 49 }, matches: false },
    { change: { version: '1.0' }, matches: false },
    { change: { num_layers: 2, num_attention_heads: 2 }, matches: false },
  ])('setup with $change matches: $matches', ({ change, matches }) => {
    expect(referenceFor({ ...REF, ...change }) !== null).toBe(matches)
  })

  it.each([
    { task: 't2v' as const, threshold: null, seconds: 465 },
    { task: 't2v' as const, threshold: 0.1, seconds: 322 },
    { task: 't2v' as const, threshold: 0.3, seconds: 204 },
    { task: 'i2v' as const, threshold: null, seconds: 475 },
    { task: 'i2v' as const, threshold: 0.2, seconds: 239 },
    { task: 'i2v' as const, threshold: 0.15, seconds: null },
  ])('$task at $threshold: $seconds s', ({ task, threshold, seconds }) => {
    expect(publishedAt(referenceFor({ ...REF, task })!, threshold)).toBe(seconds)
  })
})
