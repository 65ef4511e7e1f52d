/** Number formats of the report. */

/** About three significant digits, by magnitude: for figures that stand alone in a sentence. */
export function seconds(x: number): string {
  return x.toFixed(decimalsFor(x))
}

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

export const fixed = (decimals: number) => (x: number) => x.toFixed(decimals)

export function meanSd(stat: { mean: number | null; sd: number | null }, format: (x: number) => string): string {
  if (stat.mean === null) return '—'
  return stat.sd === null ? format(stat.mean) : `${format(stat.mean)} ± ${format(stat.sd)}`
}

export const speedup = (x: number) => `${x.toFixed(2)}x`
export const decibels = (x: number) => (x === Infinity ? '∞' : x.toFixed(2))
export const ssimValue = (x: number) => x.toFixed(4)
export const threshold = (t: number | null) => (t === null ? 'Baseline' : `TeaCache (${t})`)
/** A column's title: the method, or the threshold and "compiled" for compiled blocks (the compiled baseline is compile alone). */
export const columnTitle = (c: { threshold: number | null; compile?: string; method?: { title: string } | null }) =>
  c.method ? c.method.title : c.compile === 'blocks' ? (c.threshold === null ? 'Compiled blocks' : `TeaCache (${c.threshold}), compiled`) : threshold(c.threshold)
/** A short name for a column where space is tight (schedules): "baseline", "t=0.2", "t=0.2+c", "fbc0.05". */
export const columnName = (c: { threshold: number | null; compile?: string; method?: { id: string } | null }) =>
  c.method ? c.method.id : `${c.threshold === null ? 'baseline' : `t=${c.threshold}`}${c.compile === 'blocks' ? '+c' : ''}`
/** "58% · 33% · 58%": the share of the baseline's block, attention and feed-forward rows that ran. */
export const workCell = (w: { blocks: number; attention: number; feedforward: number }) =>
  [w.blocks, w.attention, w.feedforward].map((x) => `${Math.round(x * 100)}%`).join(' · ')
/** Bytes as GB (10^9 bytes) with one decimal. */
export const gigabytes = (bytes: number) => (bytes / 1e9).toFixed(1)

export function mdTable(header: string[], rows: string[][]): string {
  const escape = (cell: string) => cell.replace(/\|/g, '\\|').replace(/\n/g, ' ')
  const line = (cells: string[]) => `| ${cells.map(escape).join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

interface SpeedupFacts {
  speedup: number | null
  ideal: number | null
  suspect: { aboveIdeal: boolean; differentWorker: boolean } | null
}

/** A run's speedup as the report shows it: a suspect one is marked and says why, never bare. */
export function speedupCell(run: SpeedupFacts): string | null {
  if (run.speedup === null) return null
  if (!run.suspect) return speedup(run.speedup)
  const why = [
    ...(run.suspect.aboveIdeal && run.ideal !== null ? [` > ideal ${speedup(run.ideal)}`] : []),
    ...(run.suspect.differentWorker ? [', different worker'] : []),
  ]
  return `⚠ ${speedup(run.speedup)}${why.join('')}`
}

/** A column's headline speedup: marked when above its ideal, with the suspect runs it leaves out. */
export function columnSpeedupCell(c: { speedup: number | null; ideal: number | null; aboveIdeal: boolean; excluded: number }): string {
  const left = c.excluded ? ` (${c.excluded} suspect excluded)` : ''
  if (c.speedup === null) return `—${left}`
  return c.aboveIdeal && c.ideal !== null ? `⚠ ${speedup(c.speedup)} > ideal ${speedup(c.ideal)}${left}` : `${speedup(c.speedup)}${left}`
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
