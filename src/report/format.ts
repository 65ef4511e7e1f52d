/** Number formats of the report: about three significant digits, fixed per magnitude so columns line up. */
export function seconds(x: number): string {
  const a = Math.abs(x)
  return x.toFixed(a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3)
}

export function meanSd(stat: { mean: number | null; sd: number | null }, format: (x: number) => string): string {
  if (stat.mean === null) return '—'
  return stat.sd === null ? format(stat.mean) : `${format(stat.mean)} ± ${format(stat.sd)}`
}

export const speedup = (x: number) => `${x.toFixed(2)}x`
export const decibels = (x: number) => (x === Infinity ? '∞' : x.toFixed(2))
export const ssimValue = (x: number) => x.toFixed(4)
export const threshold = (t: number | null) => (t === null ? 'Baseline' : `TeaCache (${t})`)

export function mdTable(header: string[], rows: string[][]): string {
  const escape = (cell: string) => cell.replace(/\|/g, '\\|').replace(/\n/g, ' ')
  const line = (cells: string[]) => `| ${cells.map(escape).join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}
