import { describe, expect, it } from 'vitest'
import { chosen, neighboursToCheck, nextProbe, probeBound, violations, type Probe } from '../../src/tune/search.ts'

/** Run the bisection against a truth table: passes[i] says whether candidate i keeps the gate. */
function search(passes: boolean[], scores = passes.map((_, i) => 100 - i)) {
  const probes: Probe[] = []
  for (let next = nextProbe(passes.length, probes); next !== null; next = nextProbe(passes.length, probes)) {
    probes.push({ index: next, pass: passes[next], score: scores[next] })
  }
  return probes
}

describe('bisection over schedules ordered mildest first', () => {
  it.each(Array.from({ length: 12 }, (_, count) => count + 1))('finds the last passing candidate of %i within ⌈log2 (S + 1)⌉ probes, for every cut', (count) => {
    for (let cut = -1; cut < count; cut++) {
      const passes = Array.from({ length: count }, (_, i) => i <= cut)
      const probes = search(passes)
      expect(chosen(probes)).toBe(cut === -1 ? null : cut)
      expect(probes.length).toBeLessThanOrEqual(probeBound(count))
      expect(violations(probes)).toEqual([])
    }
  })

  it('reports where quality did not fall with steps, and names the neighbours to test', () => {
    // Candidate 2 scores better than the milder 1 although both pass: an inversion.
    const probes: Probe[] = [{ index: 1, pass: true, score: 40 }, { index: 2, pass: true, score: 45 }, { index: 4, pass: false, score: 20 }]
    expect(violations(probes).map(([a, b]) => [a.index, b.index])).toEqual([[1, 2]])
    expect(neighboursToCheck(6, probes)).toEqual([3])
    expect(neighboursToCheck(6, [{ index: 1, pass: true, score: 40 }, { index: 3, pass: false, score: 10 }])).toEqual([])
  })
})
