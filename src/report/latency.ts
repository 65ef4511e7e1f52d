import { SUSPECT_FACTOR } from './bound.ts'
import { groupTitle } from './format.ts'
export { groupTitle }
import { columnSpeedupCell, columnTitle, decimalsFor, fixed, gigabytes, mdTable, meanSd, speedup, speedupCell, workCell } from './format.ts'
import type { ColumnSummary, ReportData, RunRow } from './summary.ts'

/**
 * The latency table and the list of suspect measurements: the figures people quote, so every
 * speedup that fails the sanity bound is marked where it stands and explained below.
 */
const tolerance = `${Math.round((SUSPECT_FACTOR - 1) * 100)}%`

type ColumnKey = Pick<ColumnSummary, 'threshold' | 'compile' | 'method'>
const cellKey = (promptIndex: number, seed: number, c: ColumnKey) => `${promptIndex}\u0000${seed}\u0000${c.threshold}\u0000${c.compile}\u0000${c.method ? `m:${c.method.id}` : '-'}`

/**
 * Every table asks for one run per prompt x seed x column: a search over all runs per cell made a
 * large sweep's report quadratic, so the runs are indexed once per runs list (and again if it grows).
 */
const indexes = new WeakMap<readonly RunRow[], { size: number; byCell: Map<string, RunRow> }>()

function cellIndex(runs: readonly RunRow[]): Map<string, RunRow> {
  const known = indexes.get(runs)
  if (known && known.size === runs.length) return known.byCell
  const byCell = new Map<string, RunRow>()
  for (const r of runs) {
    const key = cellKey(r.promptIndex, r.seed, r)
    // The first run of a cell, as a search in grid order would find it.
    if (!byCell.has(key)) byCell.set(key, r)
  }
  indexes.set(runs, { size: runs.length, byCell })
  return byCell
}

export function rowFor(data: ReportData, promptIndex: number, seed: number, column: ColumnKey): RunRow | undefined {
  return cellIndex(data.runs).get(cellKey(promptIndex, seed, column))
}

export const sameColumn = (r: Pick<RunRow, 'threshold' | 'compile' | 'method'>, c: Pick<ColumnSummary, 'threshold' | 'compile' | 'method'>) =>
  r.threshold === c.threshold && r.compile === c.compile && (r.method?.id ?? null) === (c.method?.id ?? null)

/** One decimal count for every latency of the report's tables, from the largest one shown. */
export function latencyFormat(data: ReportData): (x: number) => string {
  // The largest magnitude found in one pass: spreading a large sweep's values into one call overflows the stack.
  let largest = 0
  const see = (v: number | null) => {
    if (v !== null && Number.isFinite(v) && Math.abs(v) > largest) largest = Math.abs(v)
  }
  for (const r of data.runs) [r.latency, r.spread?.max ?? null, r.denoise, r.decode].forEach(see)
  for (const c of data.columns) [c.latency.mean, c.latency.sd, c.denoise.mean, c.decode.mean].forEach(see)
  return fixed(decimalsFor(largest))
}

const repeatsCell = (r: { min: number; max: number } | null) => (r === null ? '—' : r.min === r.max ? String(r.min) : `${r.min}–${r.max}`)

export function latencySection(data: ReportData): string[] {
  const f = latencyFormat(data)
  const header = ['latency (s)', ...data.columns.map(columnTitle)]
  const rows = data.groups.map((g) => [
    groupTitle(g.promptIndex, g.seed),
    ...data.columns.map((c) => {
      const run = rowFor(data, g.promptIndex, g.seed, c)
      if (!run || run.latency === null) return run ? run.status : '—'
      const spread = run.spread && run.n! > 1 ? ` [${f(run.spread.min)}–${f(run.spread.max)}]` : ''
      const ratio = c.reference ? null : speedupCell(run)
      return `${f(run.latency)}${spread}${ratio === null ? '' : ` (${ratio})`}`
    }),
  ])
  const cells = (g: (c: ColumnSummary) => string) => data.columns.map(g)
  const methods = data.columns.some((c) => c.method)
  const unbounded = data.columns.filter((c) => c.method?.reuses === 'parts' && c.completed > 0)
  rows.push(
    ['**mean ± sd**', ...cells((c) => meanSd(c.latency, f))],
    [`**speedup** (baseline / ${methods ? 'variant' : 'TeaCache'})`, ...cells((c) => (c.reference ? speedup(1) : columnSpeedupCell(c)))],
    ['ideal speedup (upper bound)', ...cells((c) => (c.ideal !== null ? speedup(c.ideal) : unbounded.includes(c) ? '— (no bound)ᵃ' : '—'))],
    ['least speedup (lower bound)', ...cells((c) => (c.lower !== null ? speedup(c.lower) : c.method && c.completed > 0 ? '— (no bound)' : '—'))],
    ['computed steps', ...cells((c) => (c.computed ? `${c.computed.min === c.computed.max ? c.computed.min : `${c.computed.min}–${c.computed.max}`}/${c.computed.steps}` : '—'))],
    ...(data.columns.some((c) => c.work) ? [['work run vs baseline (blocks · attention · feed-forward)', ...cells((c) => (c.reference ? '100% · 100% · 100%' : c.work ? `${workCell(c.work)}${c.idle > 0 ? ' ⚠ nothing avoided' : ''}` : '—'))]] : []),
    ['denoise, mean ± sd (s)', ...cells((c) => meanSd(c.denoise, f))],
    ['decode, mean ± sd (s)', ...cells((c) => meanSd(c.decode, f))],
    ['peak GPU memory (GB)', ...cells((c) => (c.memory === null ? '—' : gigabytes(c.memory)))],
    ['timed repeats per run (n)', ...cells((c) => repeatsCell(c.repeats))],
    ['runs completed', ...cells((c) => `${c.completed}/${c.total}`)],
  )
  const excluded = data.columns.filter((c) => c.excluded > 0)
  const notes = [
    ...(unbounded.length ? [`- ᵃ ${unbounded.map(columnTitle).join(', ')} reuse${unbounded.length === 1 ? 's' : ''} attention or feed-forward outputs (or the unconditional batch) inside blocks that still run: without the cost of each part, the counts give no upper bound, so no ideal is shown and ${unbounded.length === 1 ? 'its speedup is' : 'their speedups are'} checked only for where ${unbounded.length === 1 ? 'it' : 'they'} ran.`] : []),
    ...data.columns.filter((c) => c.idle > 0).map((c) => `- ⚠ ${columnTitle(c)}: ${c.idle} of ${c.completed} run(s) ran every block, attention and feed-forward row the baseline ran: it avoided nothing here, and its speedup is timing noise. See "Work avoided".`),
    ...excluded.map((c) => `- The headline speedup of ${columnTitle(c)} leaves out ${c.excluded} suspect run(s) of ${c.completed}; see "Suspect measurements".`),
    ...data.columns.filter((c) => c.aboveIdeal).map((c) => `- ⚠ The headline speedup of ${columnTitle(c)}, ${speedup(c.speedup!)}, is above the column's ideal ${speedup(c.ideal!)}: no schedule allows that, so the excess is measurement noise.`),
    ...data.columns.filter((c) => c.speedup === null && c.excluded > 0).map((c) => `- ${columnTitle(c)} has no trustworthy measurement: every completed run's speedup is outside its bounds (see "Suspect measurements"), so no number is shown for it.`),
  ]
  return [
    '## Latency', '',
    'Latency is the denoising loop plus the decode (VAE and conversion to 8-bit frames), measured on this machine: the part of a generation TeaCache changes. ' +
      'Model loading, warm-up, prompt encoding (done once per prompt in a sweep), frame writing and the MP4 encode are left out. ' +
      'Each cell is the median of the run\'s timed repeats, with [fastest–slowest] when there was more than one, and the speedup over the baseline of the same prompt and seed. ' +
      'A run\'s speedup is the median over the timing rounds of its group of the round\'s baseline latency / the run\'s: each round times the baseline and every variant of one prompt and seed back to back in one process, so a slow spell lands on both sides of a pair or on one round of many. ' +
      `A speedup more than ${tolerance} above what the run's own schedule allows, more than ${tolerance} below the least it allows (a TeaCache run computes a subset of its baseline's steps at the same cost per step), or measured against a baseline of another process without shared rounds, is marked ⚠ and is not a result. ` +
      'The headline speedup is the median of every round\'s ratio of the column\'s runs that are not suspect, with its 95% confidence interval (distribution-free, from order statistics; under six rounds the range of the rounds, which covers less). ' +
      'The summary rows pool the same runs across prompts and seeds (sd: sample standard deviation).',
    '', mdTable(header, rows), '', ...notes, ...(notes.length ? [''] : []),
  ]
}

export function suspectSection(data: ReportData): string[] {
  const checked = data.runs.filter((r) => !r.reference && r.speedup !== null)
  if (checked.length === 0) return []
  const suspect = checked.filter((r) => r.suspect)
  const lines = ['## Suspect measurements', '']
  const methods = data.columns.some((c) => c.method)
  if (suspect.length === 0) {
    const what = methods
      ? `speedup is within its bounds: at most ${tolerance} above the ideal its schedule or block counts allow, and for TeaCache at most ${tolerance} below the least its schedule allows (where they give one)`
      : `TeaCache speedup is within its bounds: at most ${tolerance} above the ideal its schedule allows and at most ${tolerance} below the least it allows`
    return [...lines, `None: every ${what}, and no pair was split across workers where the records say where they ran.`, '']
  }
  lines.push(
    `${suspect.length} of ${checked.length} ${methods ? '' : 'TeaCache '}speedups are suspect and are left out of the headline speedups. ` +
      `A speedup above ideal x ${SUSPECT_FACTOR.toFixed(2)} is more than the run's schedule can give; one below the least its schedule allows / ${SUSPECT_FACTOR.toFixed(2)} says the machine slowed during the cell; one measured against a baseline from another host, device or process without shared rounds compares two machines' timings.`,
    '',
  )
  for (const r of suspect) {
    const basis = r.method && r.work ? `its block counts (${Math.round(r.work.blocks * 100)}% of the baseline's block rows ran) allow` : `its schedule (${r.computed} of ${r.steps} steps computed) allows`
    const bound = r.suspect!.belowLower && r.lower !== null ? `; its schedule (${r.computed} of ${r.steps} steps computed) allows at least ${speedup(r.lower)}` : r.ideal === null ? '' : `; ${basis} at most ${speedup(r.ideal)}`
    lines.push(`- \`${r.id}\`: measured ${speedup(r.speedup!)}${bound}. ${r.suspect!.causes.map((c) => `${c[0].toUpperCase()}${c.slice(1)}.`).join(' ')}`)
  }
  return [...lines, '']
}
