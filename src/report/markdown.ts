import { SSIM_K1, SSIM_K2, SSIM_SIGMA, SSIM_WINDOW } from '../quality/ssim.ts'
import { groupId } from '../sweep/grid.ts'
import { decibels, mdTable, meanSd, seconds, speedup, ssimValue, threshold as columnTitle } from './format.ts'
import { publishedAt } from './reference.ts'
import type { ColumnSummary, ReportData, RunRow } from './summary.ts'

/** Files beside REPORT.md that the report links to. */
export interface Artifacts {
  chart: string | null
  /** Comparison video per prompt+seed group, or why it is missing. */
  videos: Array<{ group: string; file?: string; error?: string }>
}

const groupTitle = (promptIndex: number, seed: number) => `p${promptIndex} · seed ${seed}`

export function renderReport(data: ReportData, artifacts: Artifacts, command: string): string {
  const out: string[] = ['# TeaCache sweep report', '']
  const c = data.counts
  const pending = c.missing + c.incomplete
  out.push(
    `${c.completed} of ${c.total} runs completed` +
      (c.failed ? `, ${c.failed} failed` : '') + (c.interrupted ? `, ${c.interrupted} interrupted` : '') +
      (pending ? `, ${pending} not finished` : '') + (c.unreadable ? `, ${c.unreadable} unreadable` : '') +
      `. Generated from the run folders beside this file; \`${command}\` regenerates it.`,
    '',
  )
  out.push(...setupSection(data), ...latencySection(data), ...qualitySection(data))
  if (artifacts.chart) out.push('## Chart', '', `![Latency, PSNR and SSIM against threshold](${artifacts.chart})`, '')
  out.push(...scheduleSection(data), ...videoSection(artifacts), ...referenceSection(data), ...runsSection(data), ...methodSection(data))
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`
}

function setupSection(data: ReportData): string[] {
  const s = data.setup
  const grid = `${data.prompts.length} prompt(s) x ${data.seeds.length} seed(s) x (baseline + ${data.thresholds.length} threshold(s)) = ${data.counts.total} runs`
  const lines = ['## Setup', '']
  if (!s) return [...lines, `No run has finished yet. Grid: ${grid}.`, '']
  const rows = [
    ['model', `\`${s.model}\`: CogVideoX ${s.version}, ${s.task === 'i2v' ? 'image-to-video (I2V)' : 'text-to-video (T2V)'}, ${s.pipeline}, ${s.layers} layers x ${s.heads} heads`],
    ['video', `${s.width}x${s.height}, ${s.frames} frames at ${s.fps} fps, ${s.steps} steps, guidance ${s.guidance}${s.dynamicCfg ? ' (dynamic CFG)' : ''}`],
    ['dtype', s.dtypes.join(', ')],
    ['device', s.devices.join('; ')],
    ['software', s.versions.join('; ')],
    ['coefficients', s.coefficients ?? '—'],
    ['date', s.started && s.finished ? `${s.started} to ${s.finished}` : '—'],
    ['grid', grid],
  ]
  return [...lines, mdTable(['setting', 'value'], rows), '', 'Prompts:', '', ...data.prompts.map((p, i) => `- \`p${i}\`: ${p}`), `- seeds: ${data.seeds.join(', ')}`, '']
}

function rowFor(data: ReportData, promptIndex: number, seed: number, threshold: number | null): RunRow | undefined {
  return data.runs.find((r) => r.promptIndex === promptIndex && r.seed === seed && r.threshold === threshold)
}

function latencySection(data: ReportData): string[] {
  const header = ['latency (s)', ...data.columns.map((c) => columnTitle(c.threshold))]
  const rows = data.groups.map((g) => [
    groupTitle(g.promptIndex, g.seed),
    ...data.columns.map((c) => {
      const run = rowFor(data, g.promptIndex, g.seed, c.threshold)
      if (!run || run.latency === null) return run ? run.status : '—'
      return c.threshold === null || run.speedup === null ? seconds(run.latency) : `${seconds(run.latency)} (${speedup(run.speedup)})`
    }),
  ])
  const cells = (f: (c: ColumnSummary) => string) => data.columns.map(f)
  rows.push(
    ['**mean ± sd**', ...cells((c) => meanSd(c.latency, seconds))],
    ['**speedup** (mean baseline / mean)', ...cells((c) => (c.speedup === null ? '—' : speedup(c.speedup)))],
    ['computed steps', ...cells((c) => (c.computed ? `${c.computed.min === c.computed.max ? c.computed.min : `${c.computed.min}–${c.computed.max}`}/${c.computed.steps}` : '—'))],
    ['denoise, mean ± sd (s)', ...cells((c) => meanSd(c.denoise, seconds))],
    ['decode, mean ± sd (s)', ...cells((c) => meanSd(c.decode, seconds))],
    ['runs completed', ...cells((c) => `${c.completed}/${c.total}`)],
  )
  return [
    '## Latency', '',
    'Latency is the denoising loop plus the VAE decode, measured on this machine: the part of a generation TeaCache changes. ' +
      'Model loading, prompt encoding (done once per prompt in a sweep) and the MP4 encode are left out. ' +
      'Per-run cells show the speedup over the baseline of the same prompt and seed; sd is the sample standard deviation across prompts and seeds.',
    '', mdTable(header, rows), '',
  ]
}

function qualitySection(data: ReportData): string[] {
  const columns = data.columns.filter((c) => c.threshold !== null)
  if (columns.length === 0) return []
  const rows = data.groups.map((g) => [
    groupTitle(g.promptIndex, g.seed),
    ...columns.map((c) => {
      const run = rowFor(data, g.promptIndex, g.seed, c.threshold)
      return run && run.psnr !== null && run.ssim !== null ? `${decibels(run.psnr)} dB / ${ssimValue(run.ssim)}` : '—'
    }),
  ])
  rows.push(
    ['**PSNR, mean ± sd (dB)**', ...columns.map((c) => meanSd(c.psnr, decibels))],
    ['**SSIM, mean ± sd**', ...columns.map((c) => meanSd(c.ssim, ssimValue))],
  )
  return [
    '## Quality against the baseline', '',
    'Each TeaCache video against the uncached video of the same prompt and seed, from the lossless PNG frames (PSNR / SSIM; ∞ dB means identical frames).',
    '', mdTable(['PSNR / SSIM', ...columns.map((c) => columnTitle(c.threshold))], rows), '',
    `LPIPS: not computed: ${data.lpips.reason}.`, '',
  ]
}

function scheduleSection(data: ReportData): string[] {
  const lines: string[] = []
  for (const c of data.columns) {
    const done = data.runs.filter((r) => r.threshold === c.threshold && r.schedule)
    const patterns = new Map<string, string[]>()
    for (const r of done) {
      const key = r.schedule!.map((computed) => (computed ? '█' : '·')).join('')
      patterns.set(key, [...(patterns.get(key) ?? []), r.group])
    }
    const name = c.threshold === null ? 'baseline' : `t=${c.threshold}`
    for (const [pattern, groups] of patterns) {
      const computed = [...pattern].filter((ch) => ch === '█').length
      const which = patterns.size > 1 ? `  (${groups.join(', ')})` : ''
      lines.push(`${name.padEnd(10)} ${pattern}  ${computed}/${pattern.length}${which}`)
    }
  }
  if (lines.length === 0) return []
  const steps = data.setup?.steps ?? 0
  const ruler = Array.from({ length: steps }, (_, i) => String(i % 10)).join('')
  return [
    '## Skipped steps', '',
    'One cell per denoising step (the ruler counts steps modulo 10): █ computed, · skipped (reused the cached residuals). The first and last steps are always computed. ' +
      'Rows list the prompts and seeds only where their schedules differ.',
    '', '```', `${'step'.padEnd(10)} ${ruler}`, ...lines, '```', '',
  ]
}

function videoSection(artifacts: Artifacts): string[] {
  if (artifacts.videos.length === 0) return []
  return [
    '## Side-by-side videos', '',
    'The baseline and each threshold of one prompt and seed, tiled left to right and top to bottom, each under its label (threshold and speedup).', '',
    ...artifacts.videos.map((v) => `- ${v.group}: ${v.file ? `[${v.file}](${v.file})` : `not made: ${v.error}`}`), '',
  ]
}

function referenceSection(data: ReportData): string[] {
  const ref = data.reference
  if (!ref) return []
  const device = data.setup?.devices.join('; ') ?? ''
  const rows = data.columns.map((c) => {
    const published = publishedAt(ref, c.threshold)
    return [columnTitle(c.threshold), meanSd(c.latency, seconds), published === null ? '—' : String(published)]
  })
  return [
    '## Published reference (not measured here)', '',
    `This sweep used the setup of the published TeaCache table (CogVideoX1.5, 1360x768, 81 frames, 50 steps, ${ref.task.toUpperCase()}). ` +
      'The published column was measured elsewhere, on other hardware; it is shown for orientation only and never mixed into the figures above.',
    '', mdTable(['column', `measured here (s), ${device}`, `published (s): ${ref.source}`], rows), '',
  ]
}

function runsSection(data: ReportData): string[] {
  const num = (x: number | null, f: (v: number) => string) => (x === null ? '—' : f(x))
  const rows = data.runs.map((r) => [
    `\`${r.id}\``, r.status, r.computed === null ? '—' : `${r.computed}/${r.steps}`,
    num(r.denoise, seconds), num(r.decode, seconds), num(r.latency, seconds), num(r.speedup, speedup),
    num(r.psnr, decibels), num(r.ssim, ssimValue), r.note ?? '',
  ])
  return ['## Runs', '', mdTable(['run', 'status', 'computed', 'denoise (s)', 'decode (s)', 'latency (s)', 'speedup', 'PSNR (dB)', 'SSIM', 'note'], rows), '']
}

function methodSection(data: ReportData): string[] {
  return [
    '## Method', '',
    '- Every run is a `teacache run` folder (`run.json`, lossless `frames/`, `video.mp4`) in this sweep folder, named `p<prompt>-s<seed>/baseline` or `.../t<threshold>`. ' +
      'The baseline runs diffusers\' own transformer forward with TeaCache off.',
    '- PSNR: 10·log10(255² / MSE), with the mean squared error pooled over every frame, pixel and RGB channel of the video.',
    `- SSIM: Wang et al. (2004) with an ${SSIM_WINDOW}x${SSIM_WINDOW} Gaussian window (σ = ${SSIM_SIGMA}), K1 = ${SSIM_K1}, K2 = ${SSIM_K2}, L = 255, ` +
      'on BT.601 luma (0.299 R + 0.587 G + 0.114 B), averaged over every window position inside the frame, then over frames.',
    '- LPIPS: not computed; the reason is given under the quality table.',
    `- Speedup: baseline latency / TeaCache latency; the summary row divides the mean latencies. Prompts and seeds: ${data.groups.map((g) => groupId(g.promptIndex, g.seed)).join(', ')}.`,
    '',
  ]
}
