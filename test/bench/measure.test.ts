import { describe, expect, it } from 'vitest'
import { rotatedOrder } from '../../src/bench/measure.ts'

describe('rotatedOrder', () => {
  it.each([
    [2, [[0, 1], [1, 0], [0, 1]]],
    [3, [[0, 1, 2], [1, 2, 0], [2, 0, 1], [0, 1, 2]]],
  ])('%d variants: every variant takes every position in turn', (variants, rounds) => {
    expect(rounds.map((_, r) => rotatedOrder(variants, r))).toEqual(rounds)
  })
})

