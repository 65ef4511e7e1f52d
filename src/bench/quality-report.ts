import { mdTable } from '../report/format.ts'
import type { QualityBenchResults } from './quality.ts'
import { notesSection } from './report.ts'
import type { Summary } from './stats.ts'

/** bench/results/quality-latest.md and the table `teacache bench --mode quality` prints: the same text. */

const sec = (x: number) => `${x.toFixed(2)} s`
const spread = (w: Summary, cpu?: Summary) => `IQR ${w.p25.toFixed(2)}-${w.p75.toFixed(2)}, min ${w.min.toFixed(2)}, n=${w.n}${cpu ? `; CPU ${sec(cpu.median)}` : ''}`

export function qualityTable(r: QualityBenchResults): string {
  const v = r.video
  const pair = `PSNR + SSIM of one ${v.frames}-frame ${v.width}x${v.height} pair`
  const p = r.pool
  const goal = `<= ${r.goal.seconds} s on ${r.goal.threads} threads`
  const rows: string[][] = [
    [`${pair}, 1 thread (no workers)`, sec(r.single_thread.seconds.median), spread(r.single_thread.seconds, r.single_thread.cpu_s), '-', '-'],
    [`${pair}, ${p.threads === 1 ? 'pool of 1 thread (no workers)' : `pool of ${p.threads} worker threads`} (pool already started, as for every pair after a report's first)`, sec(p.seconds.median), spread(p.seconds, p.cpu_s), goal, r.goal.met],
    [`${pair}, a fresh pool's first pair (worker start-up included)`, sec(p.first_pair_s.median), spread(p.first_pair_s), '-', '-'],
    ['speedup of the pool over 1 thread', `${p.speedup.toFixed(2)}x`, `${(p.efficiency * 100).toFixed(0)}% of ${p.threads} threads`, '-', '-'],
    [`projection for ${r.projection.threads} threads (**not measured**)`, sec(r.projection.seconds), r.projection.basis, goal, '-'],
  ]
  const header = ['figure', 'value (median)', 'spread and cross-checks', 'goal', 'met']
  return mdTable(header, rows)
}

export function renderQualityMarkdown(r: QualityBenchResults): string {
  const v = r.video
  const m = r.machine
  return [
    '# teacache benchmark: report quality metrics (PSNR, SSIM)',
    '',
    `Command: \`${r.command}\` · ${r.date} · ${sec(r.duration_s)}`,
    '',
    qualityTable(r),
    '',
    `Frames: a synthetic pair written by the bench (smooth drifting gradients plus grain; ${(v.png_bytes_per_frame / 1e6).toFixed(2)} MB per PNG, written in ${sec(v.write_s)}). ` +
      `PSNR ${r.metrics.psnr.toFixed(3)} dB, SSIM ${r.metrics.ssim.toFixed(5)}; identical in every round and thread count: ${r.metrics.identical_across_threads_and_rounds ? 'yes' : '**no**'}.`,
    `Method: ${r.settings.repeats} round${r.settings.repeats === 1 ? '' : 's'}; ${r.settings.order}. Medians of wall time; CPU is the process's CPU time, all threads.`,
    `Machine: ${m.cpu_model}, ${m.cores} cores, ${m.memory_gib} GiB, ${m.platform}; load average ${m.load_average_start.toFixed(2)} at the start, ` +
      `${m.load_average_end?.toFixed(2) ?? '?'} at the end; other processes' median share of the machine during the samples ` +
      `${r.foreign_share_median === null ? 'unknown' : `${(r.foreign_share_median * 100).toFixed(0)}%`}. Node ${r.versions.node}.`,
    ...notesSection(r.notes),
  ].join('\n')
}
