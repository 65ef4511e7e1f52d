import { describe, expect, it } from 'vitest'
import { overhead, skipFidelity } from '../../src/bench/analyze.ts'
import type { Sample } from '../../src/bench/measure.ts'
import { figuresTable, renderMarkdown } from '../../src/bench/report.ts'
import { explain, skipSummary, type BenchResults } from '../../src/bench/results.ts'
import { summarize } from '../../src/bench/stats.ts'

const sample = (pattern: string, step: number, skip: number): Sample => {
  const computed = [...pattern].map((c) => c === 'C')
  const stepSeconds = computed.map((c) => (c ? step : skip))
  return { seconds: stepSeconds.reduce((a, b) => a + b, 0), stepSeconds, cpuSeconds: null, computed, foreignLoad: 0 }
}

function results(patchedStep: number, skipCost: number): BenchResults {
  const base = [1, 2, 3].map(() => sample('CCCCCCCCCC', 0.15, 0))
  const o = overhead(base, [1, 2, 3].map(() => sample('CCCCCCCCCC', patchedStep, 0)))
  const skips = [skipFidelity(base, [1, 2, 3].map(() => sample('CsCsCsCsCC', 0.15, 0.15 * skipCost)), 0.25, 0.3)]
  const machine = { cpu_model: 'Test CPU', cores: 2, memory_gib: 8, platform: 'linux-x64', load_average_start: 0.5, load_average_end: 0.6, nice: 0, env: {} }
  const model = { name: 'small', num_layers: 10, num_attention_heads: 4, attention_head_dim: 64, height: 128, width: 128, frames: 33, steps: 10, guidance_scale: 6, batch: 2, dtype: 'float32', torch_threads: 2, step_ms: o.step_ms.median }
  const bridge = { ...summarize([0.1, 0.2, 0.3]), p99: 0.3, samples: [0.1, 0.2, 0.3] }
  const partial = { machine, model, overhead_ratio: o, skip_fidelity: skipSummary(skips, []), bridge_roundtrip_ms: bridge }
  return {
    format: 'teacache-bench/1', date: '2026-01-01T00:00:00.000Z', command: 'npm run bench', duration_s: 200,
    versions: { node: 'v20', python: '3.11', torch: '2.13', diffusers: '0.42.1', transformers: '5.24' },
    settings: { repeats: 3, warmup_rounds: 1, coefficients: [0, 0, 0, 1, 0], bridge_calls: 3 },
    ...partial,
    sweep_amortisation: { value: null, reason: 'skipped (--sweep-repeats 0)' },
    notes: explain(partial),
  }
}

describe('the bench report', () => {
  it('shows each figure with its goal and whether it was met', () => {
    const table = figuresTable(results(0.15, 0))
    expect(table).toMatch(/`overhead_ratio`.*\| 1\.0000x \|.*\| <= 1\.005 \| yes \|/)
    expect(table).toMatch(/`skip_fidelity` at 0\.25 \(6\/10 steps computed\).*\| 1\.000 \|.*\| >= 0\.97 \| yes \|/)
    expect(table).toMatch(/`bridge_roundtrip_ms`.*median 0\.200 ms, p99 0\.300 ms/)
    expect(table).toMatch(/`sweep_amortisation` \| not measured \| skipped/)
  })

  it('says where goals are missed and why', () => {
    const r = results(0.1515, 0.1)
    expect(figuresTable(r)).toMatch(/\| <= 1\.005 \| \*\*no\*\* \|/)
    expect(r.notes[0]).toMatch(/^overhead 1\.0100x misses the 1\.005x goal: 1\.50 ms per step/)
    expect(r.notes[1]).toMatch(/fidelity 0\.93[78]\)\. Below the 0\.97 goal: a skipped step still costs 10\.00% of a computed one.*predicts fidelity 0\.93[78]/)
  })

  it('renders the markdown with the command, machine and versions', () => {
    const md = renderMarkdown(results(0.15, 0))
    expect(md).toContain('Command: `npm run bench`')
    expect(md).toContain('Machine: Test CPU, 2 cores')
    expect(md).toContain('torch 2.13, diffusers 0.42.1')
    expect(md).toContain('one unpatched step takes **150.0 ms**')
  })
})
