import type { DenoiseArgs, ModelFacts } from '../python/engine.ts'
import { FIDELITY_GOAL, type OverheadResult, type SkipResult } from './analyze.ts'
import type { BenchHeader } from './machine.ts'
import type { Summary } from './stats.ts'
import type { SweepAmortisation } from './sweep.ts'

/** bench/results/latest.json: the four figures, how they were measured, and the raw samples. */
export interface BenchResults extends BenchHeader {
  format: 'teacache-bench/1'
  versions: { node: string; python: string; torch: string; diffusers: string; transformers: string }
  /** The loaded model's facts and the generation's size, as the bench ran it. */
  model: Pick<ModelFacts, 'num_layers' | 'num_attention_heads' | 'attention_head_dim' | 'dtype'> & Pick<DenoiseArgs, 'height' | 'width' | 'frames' | 'steps' | 'guidance_scale'> & {
    name: string
    batch: number
    torch_threads: number
    /** Median wall time of one unpatched denoising step (steps after the first). */
    step_ms: number
  }
  settings: { repeats: number; warmup_rounds: number; coefficients: readonly number[]; bridge_calls: number }
  overhead_ratio: OverheadResult
  skip_fidelity: { value: number; goal: number; met: boolean; thresholds: SkipResult[]; baseline_samples_s: number[] }
  bridge_roundtrip_ms: Summary & { p99: number; samples: number[] }
  sweep_amortisation: (SweepAmortisation & { mode: 'teacache sweep' }) | { value: null; reason: string }
  notes: string[]
}

export function skipSummary(results: SkipResult[], baseline: number[]): BenchResults['skip_fidelity'] {
  const value = Math.min(...results.map((r) => r.fidelity))
  return { value, goal: FIDELITY_GOAL, met: value >= FIDELITY_GOAL, thresholds: results, baseline_samples_s: baseline }
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`

/** Where a goal is missed, why, as far as the measurements themselves can say. */
export function explain(r: Pick<BenchResults, 'overhead_ratio' | 'skip_fidelity' | 'bridge_roundtrip_ms' | 'machine' | 'model'>): string[] {
  const notes: string[] = []
  const o = r.overhead_ratio
  const share = o.foreign_load?.median ?? null
  // The load average counts the bench's own threads: only a fallback where /proc/stat is unreadable.
  const busy = share !== null ? share > 0.1 : r.machine.load_average_start > r.machine.cores
  const load =
    `load average ${r.machine.load_average_start.toFixed(1)} -> ${(r.machine.load_average_end ?? Number.NaN).toFixed(1)} on ${r.machine.cores} cores` +
    (share === null ? '' : `; other processes used a median ${pct(share)} of the machine during the overhead samples`)
  const bridgeShare = r.bridge_roundtrip_ms.median / r.model.step_ms
  if (!o.met) {
    const parts = [
      `overhead ${o.value.toFixed(4)}x misses the ${o.goal}x goal: ${o.per_step_overhead_ms.toFixed(2)} ms per step on a ${r.model.step_ms.toFixed(0)} ms step.`,
      `The bridge round trip (median ${r.bridge_roundtrip_ms.median.toFixed(3)} ms) is ${pct(bridgeShare)} of a step;`,
      `the paired ratios spread ${o.paired.p25.toFixed(4)}-${o.paired.p75.toFixed(4)} (IQR), median-step ratio ${o.step_ratio.toFixed(4)}, CPU-time ratio ${o.cpu_ratio?.toFixed(4) ?? 'n/a'}.`,
    ]
    if (busy) parts.push(`Other work shared the CPU (${load}): wall-time ratios this close to 1 are within its noise.`)
    if (o.paired.p25 <= o.goal) {
      parts.push(
        `The goal lies inside the paired ratios' IQR: with ${o.paired.n} rounds, this machine's round-to-round drift does not resolve a ` +
          `${((o.goal - 1) * 100).toFixed(1)}% difference, so the miss is not established either; what the parts add up to is in bench/PROFILE.md.`,
      )
    }
    notes.push(parts.join(' '))
  } else {
    notes.push(`overhead goal met: ${o.per_step_overhead_ms.toFixed(2)} ms per step (${pct(o.per_step_overhead_ms / r.model.step_ms)} of a step); bridge round trip ${pct(bridgeShare)} of a step.`)
  }
  const base = r.skip_fidelity.baseline_samples_s
  const baselineSpread = base.length ? `${Math.min(...base).toFixed(2)}-${Math.max(...base).toFixed(2)} s` : 'unknown'
  for (const t of r.skip_fidelity.thresholds) {
    const line = `threshold ${t.threshold}: ${t.computed_steps}/${t.steps} steps computed, speedup ${t.speedup.toFixed(3)}x of the ideal ${t.ideal_speedup.toFixed(3)}x (fidelity ${t.fidelity.toFixed(3)}).`
    if (t.fidelity >= r.skip_fidelity.goal) notes.push(line)
    else {
      notes.push(
        `${line} Below the ${r.skip_fidelity.goal} goal: a skipped step still costs ${pct(t.skipped_step_cost)} of a computed one ` +
          `(time embedding, patch embedding, output head, scheduler step and CFG always run), which alone predicts fidelity ${t.expected_fidelity.toFixed(3)}` +
          `${busy ? `; and other work shared the CPU (${load})` : ''}.` +
          (t.expected_fidelity - t.fidelity > 0.01
            ? ` The rest is not in the step costs: the unpatched baseline itself varied ${baselineSpread} between rounds, so the machine's speed drifted.`
            : ''),
      )
    }
  }
  if (busy) notes.push(`The machine was shared while measuring (${load}); medians of paired, alternating repeats and the CPU-time ratios limit, but do not remove, the effect.`)
  return notes
}
