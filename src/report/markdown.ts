import { SSIM_K1, SSIM_K2, SSIM_SIGMA, SSIM_WINDOW } from '../quality/ssim.ts'
import { groupId } from '../sweep/grid.ts'
import { describeValues } from '../sweep/growth.ts'
import { SUSPECT_FACTOR } from './bound.ts'
import { columnName, columnTitle, decibels, mdTable, meanSd, speedupCell, ssimValue } from './format.ts'
import { groupTitle, latencyFormat, latencySection, rowFor, sameColumn, suspectSection } from './latency.ts'
import { sessionsSection } from './sessions.ts'
import { tuningSection } from './tuning.ts'
import type { TuneRecord } from '../tune/output.ts'
import { flickerValue, columnFlicker } from './html/tables.ts'
import { lpipsText } from './lpips-text.ts'
import { publishedAt } from './reference.ts'
import type { ReportData } from './summary.ts'
import { randomWeights, randomWeightsNote } from './weights.ts'
import { placementSection, warmupText } from './where.ts'
import { workSection } from './work-section.ts'

/** Files beside REPORT.md that the report links to. */
export interface Artifacts {
  chart: string | null
  /** Comparison video per prompt+seed group, or why it is missing. */
  videos: Array<{ group: string; file?: string; error?: string }>
  /** REPORT.html: the videos frame by frame with per-frame quality. */
  html?: string | null
  /** What `teacache tune` found, when it made this folder. */
  tuning?: TuneRecord | null
}

export function renderReport(data: ReportData, artifacts: Artifacts, command: string): string {
  const out: string[] = ['# TeaCache sweep report', '']
  const c = data.counts
  const pending = c.missing + c.incomplete
  out.push(
    `${c.completed} of ${c.total} runs completed` +
      (c.failed ? `, ${c.failed} failed` : '') + (c.interrupted ? `, ${c.interrupted} interrupted` : '') +
      (pending ? `, ${pending} not finished` : '') + (c.unreadable ? `, ${c.unreadable} unreadable` : '') +
      (c.excluded ? `, ${c.excluded} excluded (made with other settings; see Runs)` : '') +
      `. Generated from the run folders beside this file; \`${command}\` regenerates it.`,
    '',
    ...(artifacts.html ? [`To watch the videos frame by frame beside their per-frame quality, open [${artifacts.html}](${artifacts.html}).`, ''] : []),
    ...(randomWeights(data.setup?.model) ? [`> **Quality means nothing here.** ${randomWeightsNote(data.setup!.model)}`, ''] : []),
  )
  out.push(...tuningSection(artifacts.tuning ?? null, data), ...setupSection(data), ...latencySection(data), ...suspectSection(data), ...sessionsSection(data.groups), ...workSection(data), ...placementSection(data), ...qualitySection(data))
  if (artifacts.chart) out.push('## Chart', '', `![Latency, PSNR and SSIM against threshold](${artifacts.chart})`, '')
  out.push(...scheduleSection(data), ...videoSection(artifacts), ...referenceSection(data), ...runsSection(data), ...methodSection(data))
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`
}

function setupSection(data: ReportData): string[] {
  const s = data.setup
  const methods = data.columns.filter((c) => c.method).length
  const grid = `${data.prompts.length} prompt(s) x ${data.seeds.length} seed(s) x (baseline + ${data.thresholds.length} threshold(s)${methods ? ` + ${methods} method variant(s)` : ''}) = ${data.counts.total} runs`
  const lines = ['## Setup', '']
  if (!s) return [...lines, `No run has finished yet. Grid: ${grid}.`, '']
  const rows = [
    ['model', `\`${s.model}\`: CogVideoX ${s.version}, ${s.task === 'i2v' ? 'image-to-video (I2V)' : 'text-to-video (T2V)'}, ${s.pipeline}, ${s.layers} layers x ${s.heads} heads`],
    ['video', `${s.width}x${s.height}, ${s.frames} frames at ${s.fps} fps, ${s.steps} steps, guidance ${s.guidance}${s.dynamicCfg ? ' (dynamic CFG)' : ''}`],
    ['dtype', s.dtypes.join(', ')],
    ['device', s.devices.join('; ')],
    ['software', s.versions.join('; ')],
    ['coefficients', s.coefficients ?? '—'],
    ['timing rounds', repeatsText(s.repeats)],
    ['warm-up', warmupText(data.processes)],
    ['date', s.started && s.finished ? `${s.started} to ${s.finished}` : '—'],
    ['grid', grid],
    ...(data.growth.length > 0 ? [['grid grown', data.growth.map((g) => `${g.date.slice(0, 10)}: added ${describeValues(g.added)} (${g.runs} new runs)`).join('; then ')]] : []),
  ]
  return [...lines, mdTable(['setting', 'value'], rows), '', 'Prompts:', '', ...data.prompts.map((p, i) => `- \`p${i}\`: ${p}`), `- seeds: ${data.seeds.join(', ')}`, '']
}

function repeatsText(r: { min: number; max: number } | null): string {
  if (r === null) return '—'
  if (r.max === 1) return '1 per run: each speedup comes from one pair (`sweep --repeats K` times every prompt x seed group in K rounds)'
  return `${r.min === r.max ? r.min : `${r.min}–${r.max}`} per run; a run's latency is their median (see "Timing sessions")`
}

function qualitySection(data: ReportData): string[] {
  const columns = data.columns.filter((c) => !c.reference)
  if (columns.length === 0) return []
  const rows = data.groups.map((g) => [
    groupTitle(g.promptIndex, g.seed),
    ...columns.map((c) => {
      const run = rowFor(data, g.promptIndex, g.seed, c)
      return run && run.psnr !== null && run.ssim !== null ? `${decibels(run.psnr)} dB / ${ssimValue(run.ssim)} / ${run.flicker === null ? '—' : flickerValue(run.flicker)}` : '—'
    }),
  ])
  rows.push(
    ['**PSNR, mean ± sd (dB)**', ...columns.map((c) => meanSd(c.psnr, decibels))],
    ['**SSIM, mean ± sd**', ...columns.map((c) => meanSd(c.ssim, ssimValue))],
    ['**flicker, mean ± sd (levels)**', ...columns.map((c) => columnFlicker(data, c))],
  )
  return [
    '## Quality against the baseline', '',
    `Each ${columns.some((c) => c.method) ? 'cached' : 'TeaCache'} video against the uncached video of the same prompt and seed, from the lossless PNG frames (PSNR / SSIM / flicker; ∞ dB means identical frames; flicker, defined under Method, is 0 when the video changes from frame to frame as the baseline does).` +
      (columns.some((c) => c.compile === 'blocks') ? ' "Compiled blocks" is compile alone (every step computed) against the eager baseline: what torch.compile changes, beside what TeaCache changes.' : ''),
    '', mdTable(['PSNR / SSIM / flicker', ...columns.map(columnTitle)], rows), '',
    lpipsText(data), '',
  ]
}

function scheduleSection(data: ReportData): string[] {
  const lines: string[] = []
  // A method's step can reuse part of its work; its cells come from the counts.
  const cell = (share: number) => (share >= 1 ? '█' : share <= 0 ? '·' : '▒')
  const width = Math.max(10, ...data.columns.map((c) => columnName(c).length + 1))
  for (const c of data.columns) {
    const done = data.runs.filter((r) => sameColumn(r, c) && r.schedule)
    const patterns = new Map<string, string[]>()
    for (const r of done) {
      const key = r.method && r.stepWork ? r.stepWork.map(cell).join('') : r.schedule!.map((computed) => (computed ? '█' : '·')).join('')
      const groups = patterns.get(key)
      if (groups) groups.push(r.group)
      else patterns.set(key, [r.group])
    }
    const name = columnName(c)
    for (const [pattern, groups] of patterns) {
      const computed = [...pattern].filter((ch) => ch === '█').length
      const which = patterns.size > 1 ? `  (${groups.join(', ')})` : ''
      lines.push(`${name.padEnd(width)} ${pattern}  ${computed}/${pattern.length}${which}`)
    }
  }
  if (lines.length === 0) return []
  const steps = data.setup?.steps ?? 0
  const ruler = Array.from({ length: steps }, (_, i) => String(i % 10)).join('')
  return [
    '## Skipped steps', '',
    'One cell per denoising step (the ruler counts steps modulo 10): █ computed, · skipped (reused the cached residuals). The first and last steps are always computed by TeaCache. ' +
      (data.columns.some((c) => c.method) ? 'For diffusers\' caches the cells come from the counts: █ every block, attention and feed-forward row ran, ▒ part of the step\'s work was reused, · no block ran. ' : '') +
      'Rows list the prompts and seeds only where their schedules differ.',
    '', '```', `${'step'.padEnd(width)} ${ruler}`, ...lines, '```', '',
  ]
}

function videoSection(artifacts: Artifacts): string[] {
  if (artifacts.videos.length === 0) return []
  return [
    '## Side-by-side videos', '',
    'The baseline and each threshold of one prompt and seed, tiled left to right and top to bottom, each under its label (threshold and speedup). ' +
      'A speedup marked SUSPECT is not a result; "Suspect measurements" says why.', '',
    ...artifacts.videos.map((v) => `- ${v.group}: ${v.file ? `[${v.file}](${v.file})` : `not made: ${v.error}`}`), '',
  ]
}

function referenceSection(data: ReportData): string[] {
  const ref = data.reference
  if (!ref) return []
  const device = data.setup?.devices.join('; ') ?? ''
  const rows = data.columns.map((c) => {
    const published = c.compile === 'blocks' || c.method ? null : publishedAt(ref, c.threshold)
    return [columnTitle(c), meanSd(c.latency, latencyFormat(data)), published === null ? '—' : String(published)]
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
  const f = latencyFormat(data)
  const latency = (r: (typeof data.runs)[number]) =>
    r.latency === null ? '—' : `${f(r.latency)} (n=${r.n}${r.spread && r.n! > 1 ? `, ${f(r.spread.min)}–${f(r.spread.max)}` : ''})`
  const rows = data.runs.map((r) => [
    `\`${r.id}\``, r.status, r.computed === null ? '—' : `${r.computed}/${r.steps}`,
    num(r.denoise, f), num(r.decode, f), latency(r), speedupCell(r) ?? '—',
    num(r.psnr, decibels), num(r.ssim, ssimValue), r.note ?? '',
  ])
  const header = ['run', 'status', 'computed', 'denoise (s)', 'decode (s)', 'latency (s): median (n, fastest–slowest)', 'speedup', 'PSNR (dB)', 'SSIM', 'note']
  return ['## Runs', '', mdTable(header, rows), '']
}

function methodSection(data: ReportData): string[] {
  return [
    '## Method', '',
    '- Every run is a `teacache run` folder (`run.json`, lossless `frames/`, `video.mp4`) in this sweep folder, named `p<prompt>-s<seed>/baseline` or `.../t<threshold>`. ' +
      'The baseline runs diffusers\' own transformer forward with TeaCache off.',
    '- PSNR: 10·log10(255² / MSE), with the mean squared error pooled over every frame, pixel and RGB channel of the video.',
    `- SSIM: Wang et al. (2004) with an ${SSIM_WINDOW}x${SSIM_WINDOW} Gaussian window (σ = ${SSIM_SIGMA}), K1 = ${SSIM_K1}, K2 = ${SSIM_K2}, L = 255, ` +
      'on BT.601 luma (0.299 R + 0.587 G + 0.114 B), averaged over every window position inside the frame, then over frames.',
    '- Flicker (temporal consistency): for each frame t after the first, m(t) = the mean over pixels and RGB channels of |x_t − x_(t−1)| (8-bit levels) for the cached video and for the baseline; ' +
      'the figure is the mean over t of |m_cached(t) − m_baseline(t)|. 0 when the cached video changes from frame to frame as much as the baseline; a frame that jumps and jumps back, or one held while the baseline moves, raises it. quality.json keeps it per frame with PSNR and SSIM.',
    `- LPIPS: ${data.lpips.computed ? 'v0.1 with the AlexNet backbone (Zhang et al., 2018) on each frame pair, averaged over frames (`teacache report --lpips`).' : 'not computed; the reason is given under the quality table.'}`,
    '- Latency: denoise + decode (VAE and conversion to 8-bit frames) of each timing round (`sweep --repeats`); a run\'s latency is the median over its rounds, ' +
      'its spread the fastest and slowest round (min–max rather than quartiles: a handful of rounds has no meaningful quartiles). Warm-up and torch.compile happen before the first round and are left out.',
    `- Speedup: the median over the rounds of one session of round r's baseline latency / the run's round r, for the same prompt and seed (records from before rounds: the ratio of the two medians). ` +
      `The headline speedup of a column is the median of every such per-round ratio of its runs that are not suspect, pooled over the prompts and seeds, with a distribution-free 95% confidence interval of that median (order statistics; with fewer than six ratios the full range, whose coverage is lower and is said so). ` +
      `Prompts and seeds: ${data.groups.map((g) => groupId(g.promptIndex, g.seed)).join(', ')}.`,
    '- Ideal speedup: (N·s + D) / (k·s + D) for a run that computes k of N steps, with s the baseline\'s denoise time per step (its denoise / N) and D its decode. ' +
      'It counts a skipped step as free, although a skipped step still runs the time and patch embeddings, the output layers and the scheduler step, so it is an upper bound: measured speedups should fall below it.',
    '- Least speedup (TeaCache runs): (N·s + D) / (k·s + N·c + D) / 1.10, with c what a skipped step cost in the run (the median of its recorded skipped steps, at most s): the run computes a subset of its baseline\'s steps at the same cost per step, and each of its steps pays at most a skipped step\'s cost on top (the indicator, the bridge call, the parts outside the blocks), so it cannot be much slower. ' +
      `A speedup above ideal x ${SUSPECT_FACTOR.toFixed(2)}, below the least speedup, or measured against a baseline of another host, device or process without rounds shared with it (run.json \`worker\`, \`timing\`), is suspect: marked ⚠, left out of the headline, the chart and the summary rows, and explained under "Suspect measurements". ` +
      'A column\'s ideal and least speedup are the medians of its runs\'.',
    ...(data.columns.some((c) => c.method)
      ? [
          '- diffusers\' caches (run ids `fbc<threshold>`, `pab`, `fastercache`, `magcache<threshold>`, `taylorseer`, with a hash for other non-default parameters) run diffusers\' own hooks ' +
            '(`transformer.enable_cache`) on eager blocks with TeaCache off, installed before and removed after each run on the one loaded pipeline; their parameters are in each run.json `config.method`. ' +
            'Every run counts the work that really ran (run.json `compute`: batch rows through each block body, its attention and its feed-forward, counted on the first layer of each, which only runs when that work does). ' +
            'For a cache that skips whole blocks only (FirstBlockCache, MagCache) the ideal speedup is (d + D) / (d·b + D), with b the share of the baseline\'s block rows that ran, d and D the baseline\'s denoise and decode; ' +
            'a cache that reuses parts of blocks that still run has no ideal from counts. A variant whose counts equal the baseline\'s avoided nothing and is flagged ⚠.',
        ]
      : []),
    '- Peak GPU memory: the largest `memory.device_peak_bytes` of a column\'s runs (PyTorch\'s peak allocated device memory during the run, in GB = 10⁹ bytes; the CUDA context and the allocator\'s cache come on top). — on a CPU.',
    `- Latencies in a table share one number of decimals, chosen to give the largest value about three significant digits.`,
    '',
  ]
}
