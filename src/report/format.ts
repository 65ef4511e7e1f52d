/**
 * Number formats of the report. Every one shows a value that is no number (NaN, an infinity, a
 * missing field) as '—': a table that said NaNx or Infinity would be quoted as a result.
 */

/** "p0 · seed 42": a prompt x seed group as a table row names it. */
export const groupTitle = (promptIndex: number, seed: number) => `p${promptIndex} · seed ${seed}`
export const NO_VALUE = '—'

/** `format` for finite numbers, '—' for anything else. */
export const finiteOr = (format: (x: number) => string) => (x: number): string => (typeof x === 'number' && Number.isFinite(x) ? format(x) : NO_VALUE)

/** About three significant digits, by magnitude: for figures that stand alone in a sentence. */
export const seconds = finiteOr((x) => x.toFixed(decimalsFor(x)))

/**
 * Decimals that give the largest value about three significant digits (465 -> 0, 12.3 -> 1,
 * 2.38 -> 2, 0.172 -> 3). A table uses one count for every cell, so its columns line up and no
 * cell looks more precise than its neighbours.
 */
export function decimalsFor(...values: number[]): number {
  const largest = Math.max(0, ...values.filter(Number.isFinite).map(Math.abs))
  if (largest === 0) return 3
  return Math.min(4, Math.max(0, 2 - Math.floor(Math.log10(largest))))
}

export const fixed = (decimals: number) => finiteOr((x) => x.toFixed(decimals))

export function meanSd(stat: { mean: number | null; sd: number | null }, format: (x: number) => string): string {
  // +Infinity is a value (identical videos' PSNR): its format shows it (∞) or refuses it (—).
  if (stat.mean === null || Number.isNaN(stat.mean)) return NO_VALUE
  return stat.sd === null || !Number.isFinite(stat.sd) || !Number.isFinite(stat.mean) ? format(stat.mean) : `${format(stat.mean)} ± ${format(stat.sd)}`
}

export const speedup = finiteOr((x) => `${x.toFixed(2)}x`)
// Identical frames have an infinite PSNR: the one infinity that is a value.
export const decibels = (x: number) => (x === Infinity ? '∞' : finiteOr((v) => v.toFixed(2))(x))
export const ssimValue = finiteOr((x) => x.toFixed(4))
export const threshold = (t: number | null) => (t === null ? 'Baseline' : `TeaCache (${t})`)
/** A column's title: the method, or the threshold and "compiled" for compiled blocks (the compiled baseline is compile alone). */
export const columnTitle = (c: { threshold: number | null; compile?: string; method?: { title: string } | null }) =>
  c.method ? c.method.title : c.compile === 'blocks' ? (c.threshold === null ? 'Compiled blocks' : `TeaCache (${c.threshold}), compiled`) : threshold(c.threshold)
/** A short name for a column where space is tight (schedules): "baseline", "t=0.2", "t=0.2+c", "fbc0.05". */
export const columnName = (c: { threshold: number | null; compile?: string; method?: { id: string } | null }) =>
  c.method ? c.method.id : `${c.threshold === null ? 'baseline' : `t=${c.threshold}`}${c.compile === 'blocks' ? '+c' : ''}`
/** "58% · 33% · 58%": the share of the baseline's block, attention and feed-forward rows that ran. */
export const workCell = (w: { blocks: number; attention: number; feedforward: number }) =>
  [w.blocks, w.attention, w.feedforward].map(finiteOr((x) => `${Math.round(x * 100)}%`)).join(' · ')
/** Bytes as GB (10^9 bytes) with one decimal. */
export const gigabytes = finiteOr((bytes) => (bytes / 1e9).toFixed(1))

export function mdTable(header: string[], rows: string[][]): string {
  const escape = (cell: string) => cell.replace(/\|/g, '\\|').replace(/\n/g, ' ')
  const line = (cells: string[]) => `| ${cells.map(escape).join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

interface SpeedupFacts {
  speedup: number | null
  ideal: number | null
  lower?: number | null
  suspect: { aboveIdeal: boolean; belowLower?: boolean; differentWorker: boolean } | null
}

/** A run's speedup as the report shows it: a suspect one is marked and says why, never bare. */
export function speedupCell(run: SpeedupFacts): string | null {
  if (run.speedup === null) return null
  if (!run.suspect) return speedup(run.speedup)
  const why = [
    ...(run.suspect.aboveIdeal && run.ideal !== null ? [` > ideal ${speedup(run.ideal)}`] : []),
    ...(run.suspect.belowLower && run.lower != null ? [` < least ${speedup(run.lower)}`] : []),
    ...(run.suspect.differentWorker ? [', different worker'] : []),
  ]
  return `⚠ ${speedup(run.speedup)}${why.join('')}`
}

/** "[1.05–1.11]": an interval of speedups; the full range of fewer than six rounds says so. */
export function intervalText(i: { n: number; low: number; high: number; coverage: number } | null): string {
  if (i === null || i.n < 2) return '(one pair: no interval)'
  const what = i.coverage >= 0.95 ? '95% CI' : `range of ${i.n} rounds`
  return `[${i.low.toFixed(2)}–${i.high.toFixed(2)}, ${what}]`
}

interface ColumnFacts {
  speedup: number | null
  interval?: { n: number; low: number; high: number; coverage: number } | null
  spread?: { min: number; max: number } | null
  ideal: number | null
  aboveIdeal: boolean
  excluded: number
  completed?: number
}

/**
 * A column's headline speedup with its interval, marked when above its ideal. A column whose
 * every measurement is suspect shows no number: it says so, and how far its rounds strayed.
 */
export function columnSpeedupCell(c: ColumnFacts): string {
  const left = c.excluded ? ` (${c.excluded} suspect excluded)` : ''
  if (c.speedup === null) {
    if (!c.excluded) return '—'
    const varied = c.spread ? `; its rounds ranged ${speedup(c.spread.min)}–${speedup(c.spread.max)}` : ''
    return `no trustworthy measurement: ${c.excluded} of ${c.completed ?? c.excluded} run(s) suspect${varied}`
  }
  const headline = `${speedup(c.speedup)} ${intervalText(c.interval ?? null)}`
  return c.aboveIdeal && c.ideal !== null ? `⚠ ${headline} > ideal ${speedup(c.ideal)}${left}` : `${headline}${left}`
}

/**
 * The label over a tile of the comparison video (the bitmap font has no ⚠): a suspect speedup
 * carries the word SUSPECT, and the report's "Suspect measurements" section says why.
 */
export function tileLabel(run: SpeedupFacts & { threshold: number | null; compile?: string; method?: { id: string } | null }): string {
  if (run.threshold === null && run.compile !== 'blocks' && !run.method) return 'baseline'
  const name = run.method ? run.method.id : run.threshold === null ? 'compiled' : `t=${run.threshold}${run.compile === 'blocks' ? ' c' : ''}`
  if (run.speedup === null) return name
  return `${name} ${speedup(run.speedup)}${run.suspect ? ' SUSPECT' : ''}`
}
