import { buildRuns, entryId, GRID_AXES, gridKeys, gridValues, hasEntry, normalizeGrid, type Grid, type GridKey, type GridValue, type RunSpec } from './grid.ts'
import { diffSettings } from '../records/settings.ts'
import { canonicalJson } from '../util/json.ts'

/**
 * A finished sweep may grow: a later command names more thresholds, seeds, prompts or variants,
 * and only the new cells run. The rules are stated on run ids, so they hold for every list of
 * the grid alike (a new list needs only its entry in GRID_AXES):
 * - the grid a folder runs is the union of its grid and the command's, per list, the folder's
 *   entries first: a command naming fewer values than the folder holds keeps the folder's larger
 *   grid (its runs stay, and stay in the report);
 * - every run id of either grid must name the same cell (prompt, seed, threshold, ...) in the
 *   grown grid. A run id is a position in an indexed list (p1 is the second prompt), so a prompt
 *   list that is reordered, or differs where both have a prompt, would rename runs: a conflict.
 * Settings outside the grid (model, size, steps, ...) are compared by fingerprint elsewhere.
 */
export type GridAdditions = Partial<Record<GridKey, GridValue[]>>

export function growGrid(folder: Grid, command: Grid): Grid {
  const grown: Partial<Record<GridKey, GridValue[]>> = {}
  for (const key of gridKeys()) {
    const values = gridValues(folder, key)
    for (const value of gridValues(command, key)) if (!hasEntry(key, values, value)) values.push(value)
    grown[key] = values
  }
  return normalizeGrid(grown as Partial<Grid>)
}

/** The entries `grown` holds beyond `folder`, per list; {} when it holds none. */
export function gridAdditions(folder: Grid, grown: Grid): GridAdditions {
  const added: GridAdditions = {}
  for (const key of gridKeys()) {
    const before = gridValues(folder, key)
    const more = gridValues(grown, key).filter((v) => !hasEntry(key, before, v))
    if (more.length > 0) added[key] = more
  }
  return added
}

/** "thresholds 1.5, 2; seeds 43": additions (or any lists of values) in words. */
export function describeValues(values: GridAdditions): string {
  return gridKeys()
    .filter((key) => (values[key]?.length ?? 0) > 0)
    .map((key) => `${key} ${values[key]!.map((v) => { const id = entryId(key, v); return typeof v === 'string' ? JSON.stringify(v) : String(id) }).join(', ')}`)
    .join('; ')
}

/** What a run is, apart from where it sits in the order. */
const cellOf = ({ index: _i, group: _g, ...cell }: RunSpec): Record<string, unknown> => cell

/**
 * Why the command's grid cannot grow the folder's: one line per way a run id would come to name
 * another run (with the first such id and how many more). Empty when it can. The runs the folder
 * has are compared first, as the user knows them ("folder -> command"); the command's new runs
 * can only go wrong where one of those does, but are checked too, so no list can slip through.
 */
export function gridConflicts(folder: Grid, command: Grid): string[] {
  const grown = new Map(buildRuns(growGrid(folder, command)).map((run) => [run.id, cellOf(run)]))
  const theirs = new Map(buildRuns(folder).map((run) => [run.id, cellOf(run)]))
  const ours = buildRuns(command)
  const compare = (runs: RunSpec[], against: Map<string, Record<string, unknown>>) => {
    const problems = new Map<string, string[]>()
    for (const run of runs) {
      const cell = against.get(run.id)
      for (const line of cell ? diffSettings(cell, cellOf(run)) : ['not in the grown grid']) problems.set(line, [...(problems.get(line) ?? []), run.id])
    }
    const more = (n: number) => (n === 0 ? '' : ` (and ${n} more run${n === 1 ? '' : 's'})`)
    return [...problems].map(([line, ids]) => `${ids[0]}${more(ids.length - 1)}: ${line}`)
  }
  const renamed = compare(ours.filter((run) => theirs.has(run.id)), theirs)
  return renamed.length > 0 ? renamed : compare([...buildRuns(folder), ...ours], grown)
}

/** The lists whose runs are named by position, for the advice that goes with a conflict. */
export const indexedLists = (): GridKey[] => gridKeys().filter((key) => GRID_AXES[key].kind === 'indexed')

export const sameGrid = (a: Grid, b: Grid) => canonicalJson(normalizeGrid(a)) === canonicalJson(normalizeGrid(b))
