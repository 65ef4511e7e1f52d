import { describe, expect, it } from 'vitest'
import { fullStep, stepRecords } from '../../src/run/record.ts'
import { counts } from '../fixtures/sweep.ts'

describe('step records', () => {
  it('takes TeaCache\'s decisions as they were made', () => {
    const decisions = [
      { index: 0, distance: null, rescaled: null, accumulated: 0, computed: true },
      { index: 1, distance: 0.1, rescaled: 0.1, accumulated: 0.1, computed: false },
    ]
    expect(stepRecords(decisions, [999, 500], [0.2, 0.01], counts([[1, 1, 1], [1, 1, 1]])).map((s) => s.computed)).toEqual([true, false])
  })

  it('without a decision, counts a step computed only when every block, attention and feed-forward row ran', () => {
    const compute = counts([[1, 1, 1], [0.5, 0.5, 0.5], [1, 0, 1], [1, 1, 0.5], [0, 0, 0]])
    expect(stepRecords([], [1, 2, 3, 4, 5], [], compute).map((s) => s.computed)).toEqual([true, false, false, false, false])
    expect([0, 1, 2, 3, 4].map((i) => fullStep(compute, i))).toEqual([true, false, false, false, false])
  })

  it('a step the pipeline halved (classifier-free guidance\'s unconditional row dropped) is not computed', () => {
    const compute = counts([[1, 1, 1], [1, 1, 1]])
    compute.steps[1] = { ...compute.steps[1], block_rows: 2, attention_rows: 2, feedforward_rows: 2 }
    expect(fullStep(compute, 1)).toBe(false)
  })

  it('without counts (compiled blocks, older records) keeps every undecided step computed', () => {
    expect(stepRecords([], [1, 2], [0.1, 0.1]).map((s) => s.computed)).toEqual([true, true])
  })
})
