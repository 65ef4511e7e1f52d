import { compileModes, normalizeGrid, type CompileMode, type Grid, type RunSpec } from '../sweep/grid.ts'
import { isReferenceBaseline } from '../sweep/rounds.ts'
import type { Candidate } from './families.ts'

/**
 * What a tune step asks the sweep underneath to make (pure): cells named by threshold or method
 * variant and compile mode. The grid grows to hold them (sweep.json says so, as a grown sweep's
 * does), and each step makes only its own cells and the eager baseline they are timed against.
 */
export type Want = Pick<RunSpec, 'threshold' | 'method' | 'compile'>

export const wantOf = (c: Pick<Candidate, 'threshold' | 'method'>, compile: CompileMode = 'none'): Want => ({ threshold: c.threshold, method: c.method, compile })

/**
 * The grid with room for every wanted cell. A compile mode, once added, gives every threshold of
 * the grid a compiled cell; tune makes only the wanted ones, and the report shows the rest as not run.
 */
export function gridFor(grid: Grid, wants: readonly Want[]): Grid {
  const thresholds = [...grid.thresholds]
  const methods = [...(grid.methods ?? [])]
  const compile = compileModes(grid)
  for (const w of wants) {
    if (w.threshold !== null && !thresholds.includes(w.threshold)) thresholds.push(w.threshold)
    if (w.method && !methods.some((m) => m.id === w.method!.id)) methods.push(w.method)
    if (!compile.includes(w.compile)) compile.push(w.compile)
  }
  return normalizeGrid({ ...grid, thresholds, methods, compile })
}

/** Whether a cell of the grid is one this step makes: a wanted one, or the eager baseline every one is timed against. */
export function isWanted(spec: RunSpec, wants: readonly Want[]): boolean {
  if (isReferenceBaseline(spec)) return true
  return wants.some((w) => w.compile === spec.compile && (w.method ? spec.method?.id === w.method.id : !spec.method && spec.threshold !== null && spec.threshold === w.threshold))
}
