import { mdTable } from '../report/format.ts'
import type { BenchResults } from './results.ts'
import { formatRatio } from './stats.ts'

/** bench/results/latest.md and the table the command prints: the same text. */

const yesNo = (met: boolean) => (met ? 'yes' : '**no**')
const quietText = (q: { rounds: number; value: number | null }, digits: number, suffix = '') =>
  `quiet rounds ${q.value === null ? `too few (${q.rounds})` : `${q.value.toFixed(digits)}${suffix} (n=${q.rounds})`}`
const s = (x: number, digits = 2) => `${x.toFixed(digits)} s`

/** The closing section of a bench's markdown: what its results say, one bullet each. */
export const notesSection = (notes: readonly string[]) => ['', '## Notes', '', ...notes.map((n) => `- ${n}`), '']

export function figuresTable(r: BenchResults): string {
  const o = r.overhead_ratio
  const b = r.bridge_roundtrip_ms
  const rows: string[][] = [
    [
      '`overhead_ratio`: patched at threshold 0 / unpatched, denoise wall time',
      formatRatio(o.value),
      `IQR ${o.paired.p25.toFixed(4)}-${o.paired.p75.toFixed(4)}, n=${o.paired.n}; ${quietText(o.quiet, 4, 'x')}; median step ${formatRatio(o.step_ratio)}; CPU time ${formatRatio(o.cpu_ratio)}; ratio of fastest ${formatRatio(o.ratio_of_mins)}`,
      `<= ${o.goal}`,
      yesNo(o.met),
    ],
  ]
  for (const t of r.skip_fidelity.thresholds) {
    rows.push([
      `\`skip_fidelity\` at ${t.threshold} (${t.computed_steps}/${t.steps} steps computed): speedup / ideal ${t.ideal_speedup.toFixed(3)}x`,
      t.fidelity.toFixed(3),
      `speedup ${t.speedup.toFixed(3)}x (IQR ${t.speedup_spread.p25.toFixed(3)}-${t.speedup_spread.p75.toFixed(3)}); ${quietText(t.quiet, 3)}; CPU time ${t.cpu_fidelity?.toFixed(3) ?? '-'}; a skipped step costs ${(t.skipped_step_cost * 100).toFixed(1)}% of a computed one`,
      `>= ${r.skip_fidelity.goal}`,
      yesNo(t.fidelity >= r.skip_fidelity.goal),
    ])
  }
  rows.push([
    '`bridge_roundtrip_ms`: Python -> TS policy call per step',
    `median ${b.median.toFixed(3)} ms, p99 ${b.p99.toFixed(3)} ms`,
    `min ${b.min.toFixed(3)}, max ${b.max.toFixed(3)}, n=${b.n}; ${((b.median / r.model.step_ms) * 100).toFixed(3)}% of a step`,
    '-',
    '-',
  ])
  const sw = r.sweep_amortisation
  rows.push(
    sw.value === null
      ? ['`sweep_amortisation`', 'not measured', sw.reason, '-', '-']
      : [
          `\`sweep_amortisation\`: ${sw.runs} separate \`run\` processes / one \`sweep\` (baseline + ${sw.thresholds.join(', ')})`,
          formatRatio(sw.value, 2),
          `${s(sw.separate_s.median, 1)} vs ${s(sw.sweep_s.median, 1)} (n=${sw.sweep_s.n}); saves ${s(sw.saved_per_process_s, 1)} per process; model loaded in ${sw.sweep_runs_with_load} of its ${sw.sweep_run_records} run.json, prompt encoded in ${sw.sweep_runs_with_prompt_encode}`,
          '-',
          '-',
        ],
  )
  const header = ['figure', 'value', 'spread and cross-checks', 'goal', 'met']
  return mdTable(header, rows)
}

export function renderMarkdown(r: BenchResults): string {
  const m = r.model
  const v = r.versions
  return [
    '# teacache benchmark (CPU, `small` model)',
    '',
    `Command: \`${r.command}\` · ${r.date} · ${s(r.duration_s, 0)}`,
    '',
    figuresTable(r),
    '',
    `Model: \`${m.name}\`, CogVideoX1.5 architecture with random seeded weights: ${m.num_layers} blocks of ${m.num_attention_heads} heads x ${m.attention_head_dim}, ` +
      `${m.width}x${m.height}x${m.frames} frames, ${m.steps} steps, CFG batch ${m.batch}, ${m.dtype}, ${m.torch_threads} torch threads; ` +
      `one unpatched step takes **${m.step_ms.toFixed(1)} ms** (median).`,
    `Method: ${r.settings.warmup_rounds} warm-up round(s), then ${r.settings.repeats} rounds in which every variant denoises once, in an order that rotates ` +
      'each round (AB BA ...), all in one Python process; ratios are medians of the per-round ratios. Coefficients ' +
      `[${r.settings.coefficients.join(', ')}] (the random model has no preset); thresholds chosen from its indicator trace to skip about 30% and 50% of the steps.`,
    `Machine: ${r.machine.cpu_model}, ${r.machine.cores} cores, ${r.machine.memory_gib} GiB, ${r.machine.platform}; load average ` +
      `${r.machine.load_average_start.toFixed(2)} at the start, ${r.machine.load_average_end?.toFixed(2) ?? '?'} at the end; nice ${r.machine.nice}` +
      `${Object.keys(r.machine.env).length ? `; ${Object.entries(r.machine.env).map(([k, val]) => `${k}=${val}`).join(' ')}` : ''}.`,
    `Versions: node ${v.node}, python ${v.python}, torch ${v.torch}, diffusers ${v.diffusers}, transformers ${v.transformers}.`,
    ...notesSection(r.notes),
  ].join('\n')
}
