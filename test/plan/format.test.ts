import { describe, expect, it } from 'vitest'
import { formatPlan, formatTarget, planJson } from '../../src/plan/format.ts'
import type { PlanEntry } from '../../src/plan/plan.ts'

const entries: PlanEntry[] = [
  { threshold: 0, computed_steps: 4, skipped: [], predicted_speedup: 1, predicted_seconds: 10 },
  { threshold: 0.25, computed_steps: 2, skipped: [1, 2], predicted_speedup: 1.6667, predicted_seconds: 6 },
]
const header = { config: 'c.yaml', source: 'the model', steps: 4, coefficients: { coefficients: [0, 0, 0, 1, 0], source: 'config' }, latency: 'latency = ...' }

describe('planJson', () => {
  it('is the documented list, one entry per line', () => {
    const text = planJson(entries)
    expect(JSON.parse(text)).toEqual(entries)
    expect(text.split('\n')).toHaveLength(5)
    expect(planJson([])).toBe('[]\n')
  })
})

describe('formatPlan', () => {
  it('prints the header and one aligned row per threshold', () => {
    const lines = formatPlan(header, entries).split('\n')
    expect(lines[0]).toBe('Plan for c.yaml: 4 steps')
    expect(lines).toContain('  latency = ...')
    const rows = lines.filter((l) => /^ {2}(threshold|0|0\.25) /.test(l))
    expect(rows).toEqual([
      '  threshold  computed  skipped steps  latency  speedup',
      '  0          4/4       -              10.00 s  1.00x',
      '  0.25       2/4       1 2            6.00 s   1.67x',
    ])
  })

  it.each([
    { what: 'NaN', seconds: Number.NaN, speedup: Number.NaN },
    { what: 'Infinity', seconds: Infinity, speedup: Infinity },
    { what: 'negative', seconds: -10, speedup: -1.5 },
  ])('prints a $what prediction as —, never as a number', ({ seconds, speedup }) => {
    const text = formatPlan(header, [{ threshold: 0.5, computed_steps: 2, skipped: [1, 2], predicted_speedup: speedup, predicted_seconds: seconds }])
    expect(text).toMatch(/^ {2}0\.5 +2\/4 +1 2 +— +—$/m)
    expect(text).not.toMatch(/NaN|Infinity|undefined|-\d/)
    expect(formatTarget(1.5, { reached: true, entry: { threshold: 0.5, computed_steps: 2, skipped: [1, 2], predicted_speedup: speedup, predicted_seconds: seconds } }, true)).toContain('(—)')
  })

  it('says how to get timings when there are none', () => {
    expect(formatPlan({ ...header, latency: null }, entries)).toMatch(/no timings: give --from-run DIR/)
  })
})

describe('formatTarget', () => {
  it('names the threshold, the steps and the measure', () => {
    expect(formatTarget(1.5, { reached: true, entry: entries[1] }, true)).toBe('Target 1.5x by predicted speedup: threshold 0.25 computes 2 of 4 steps (1.67x), skipping 1 2\n')
    expect(formatTarget(3, { reached: false, best: entries[1] }, false)).toMatch(/^--target-speedup: 3x is not reachable \(step ratio.*\); the most is 1\.67x at threshold 0\.25/)
  })
})
