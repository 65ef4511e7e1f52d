import { describe, expect, it } from 'vitest'
import { makeVariant, paramsOf } from '../../src/methods/variant.ts'
import { definitionOf } from '../../src/methods/registry.ts'
import { tuningSection } from '../../src/report/tuning.ts'
import { medianInterval } from '../../src/stats/interval.ts'
import type { TuneRecord, TunedCandidate } from '../../src/tune/output.ts'

const fbc = makeVariant('fbc', paramsOf(definitionOf('fbc'), { threshold: 0.1 }))
const rounds = (...r: number[]) => ({ speedup: medianInterval(r)!.median, interval: medianInterval(r), rounds: r.length })
const candidate = (c: Partial<TunedCandidate>): TunedCandidate => ({
  family: 'teacache', id: 't0.1', value: 0.1, threshold: 0.1, method: null, computed_steps: 6, steps: 8, tried: true, pass: true, worst: { psnr: 35 }, margin: { psnr: 5 }, speedup: null, ...c,
})
const record: TuneRecord = {
  format: 'teacache-tune/1', date: '', gate: [{ metric: 'psnr', op: '>=', value: 30 }], gate_text: 'psnr>=30', quantile: 0,
  tuning: { prompts: [0], seeds: [42] }, holdout: null, compile: ['none', 'blocks'],
  families: [
    { name: 'teacache', parameter: 'rel_l1_thresh', candidates: 2, probes: 2, search_pick: 't0.2', violations: [] },
    { name: 'fbc', parameter: 'threshold', candidates: 1, probes: 1, search_pick: 'fbc0.1', violations: [] },
  ],
  candidates: [
    candidate({ speedup: rounds(1.5, 1.6, 1.7, 1.6, 1.6, 1.6) }),
    candidate({ id: 't0.2', value: 0.2, threshold: 0.2, computed_steps: 4, speedup: rounds(1.4, 1.5, 1.6, 1.5, 1.5, 1.5) }),
    candidate({ family: 'fbc', id: 'fbc0.1', value: 0.1, threshold: null, method: fbc, computed_steps: null, pass: false, worst: { psnr: 20 }, speedup: rounds(2, 2, 2) }),
  ],
  compiled: [{ id: 't0.1', compile: 'blocks', speedup: rounds(1.2, 1.3, 1.25) }],
  choice: { id: 't0.1', family: 'teacache', threshold: 0.1, method: null, computed_steps: 6, steps: 8, compile: 'none', speedup: rounds(1.5, 1.6, 1.7, 1.6, 1.6, 1.6) },
  ranking_notes: [{ kind: 'milder-faster', choice: { id: 't0.1', compile: 'none', speedup: rounds(1.5, 1.6, 1.7, 1.6, 1.6, 1.6) }, aggressive: { id: 't0.2', compile: 'none', speedup: rounds(1.4, 1.5, 1.6, 1.5, 1.5, 1.5) }, overlap: true }],
  best_failed: null, held_out: null,
  cost: { generations: 5, search: 4, compile: 1, held_out: 0, bound: 6, full_sweep: 4, tuning_groups: 1, schedules: 3 },
}

describe('the Tuning section', () => {
  const text = tuningSection(record).join('\n')
  it.each([
    ['each candidate tried with its measured speedup and interval', /\| TeaCache \| `t0\.1` \| 6\/8 \| passes \| 35\.00 \| 1\.60x \[1\.50–1\.70, 95% CI\] \| \*\*chosen\*\* \|/],
    ['the bisection\'s pick, when the ranking chose another', /\| TeaCache \| `t0\.2` \| 4\/8 \| passes \| 35\.00 \| 1\.50x \[1\.40–1\.60, 95% CI\] \| most aggressive passing \|/],
    ['a method family\'s candidates', /\| FirstBlockCache \| `fbc0\.1` \| — \| fails \| 20\.00 \| 2\.00x \[2\.00–2\.00, range of 3 rounds\] \|/],
    ['the compiled timing', /`t0\.1` on compiled blocks .* measured 1\.25x \[1\.20–1\.30, range of 3 rounds\]/],
    ['the choice and why', /- Choice: TeaCache threshold 0\.1 \(6 of 8 steps computed\), measured 1\.60x \[1\.50–1\.70, 95% CI\]; written as \[tuned\.yaml\]/],
    ['the ranking note', /- t0\.1 measured faster \(1\.60x \[1\.50–1\.70, 95% CI\]\) than t0\.2, the most aggressive candidate of its family that passes \(1\.50x .*\); the intervals overlap/],
    ['the cost by part', /- Cost: 5 generations: 4 for the search .*its bound: 6.*, 1 timing the pick on compiled blocks/],
  ])('%s', (_, pattern) => expect(text).toMatch(pattern))

  it('an identical video\'s PSNR, null in JSON, shows as ∞', () => {
    const identical = tuningSection({ ...record, candidates: [candidate({ worst: { psnr: null as unknown as number } })] }).join('\n')
    expect(identical).toMatch(/\| `t0\.1` \| 6\/8 \| passes \| ∞ \|/)
  })

  it('a method choice says which command runs tuned.yaml', () => {
    const method = tuningSection({ ...record, choice: { ...record.choice!, id: 'fbc0.1', family: 'fbc', threshold: null, method: fbc, computed_steps: null } }).join('\n')
    expect(method).toMatch(/- Choice: FirstBlockCache \(0\.1\) \(`fbc0\.1`\).*`teacache sweep tuned\.yaml` runs it beside its baseline/)
  })
})
