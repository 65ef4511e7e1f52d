import { compareVariants, type MethodVariant } from '../methods/variant.ts'

/**
 * The grid of a sweep: every prompt x seed, each with its uncached baseline first, then every
 * threshold in ascending order, then (eager blocks only) diffusers' caches. Run ids are folder
 * paths inside the sweep folder and depend only on the grid, so shards, workers and re-runs
 * agree on them.
 */
export type CompileMode = 'none' | 'blocks'

export interface Grid {
  prompts: string[]
  seeds: number[]
  thresholds: number[]
  /** Eager and/or compiled blocks; each mode gets its own baseline and thresholds. Absent in older sweeps: eager. */
  compile?: CompileMode[]
  /** diffusers' caches beside TeaCache, on eager blocks. Absent when there are none: TeaCache sweeps keep their manifests. */
  methods?: MethodVariant[]
}

/**
 * How each list of a grid behaves, read by the code that compares, grows and normalises grids
 * (src/sweep/growth.ts): a new list of the grid needs an entry here and nothing more.
 * - `indexed`: run ids name entries by position (p0, p1, ...), so the list keeps its order and
 *   can only grow at its end; `set`: run ids name values, so order does not matter and the list is
 *   kept sorted (by `order`, else ascending).
 * - `absent`: what a missing list means (lists added after the first sweeps, which older sweep.json
 *   files lack); a list equal to it is written absent, so those folders keep matching.
 */
export interface GridAxis {
  kind: 'indexed' | 'set'
  order?: readonly string[]
  absent?: readonly GridValue[]
  /** For lists of records (methods): what names an entry (two entries with one id are one), and their order. */
  id?: (value: GridValue) => string
  compare?: (a: GridValue, b: GridValue) => number
}

export const GRID_AXES: { readonly [K in keyof Grid]-?: GridAxis } = {
  prompts: { kind: 'indexed' },
  seeds: { kind: 'set' },
  thresholds: { kind: 'set' },
  compile: { kind: 'set', order: ['none', 'blocks'], absent: ['none'] },
  methods: { kind: 'set', absent: [], id: (v) => (v as MethodVariant).id, compare: (a, b) => compareVariants(a as MethodVariant, b as MethodVariant) },
}

export type GridKey = keyof Grid
export type GridValue = string | number | MethodVariant
export const gridKeys = () => Object.keys(GRID_AXES) as GridKey[]

/** A list of the grid, with an absent one read as what it means. */
export function gridValues(grid: Partial<Grid>, key: GridKey): GridValue[] {
  return [...((grid[key] as GridValue[] | undefined) ?? GRID_AXES[key].absent ?? [])]
}

/** What names an entry of a list: the value itself, or a record's id. */
export const entryId = (key: GridKey, value: GridValue): string | number => GRID_AXES[key].id?.(value) ?? (value as string | number)

export const hasEntry = (key: GridKey, values: readonly GridValue[], value: GridValue) => values.some((v) => entryId(key, v) === entryId(key, value))

/**
 * The one written form of a grid: sets sorted, lists equal to their `absent` meaning left out.
 * Equal grids are then equal JSON, so sweep.json, the writer register and shards agree on them.
 */
export function normalizeGrid(grid: Partial<Grid>): Grid {
  const normal: Record<string, GridValue[]> = {}
  for (const key of gridKeys()) {
    const axis = GRID_AXES[key]
    const values = gridValues(grid, key)
    const natural = (a: GridValue, b: GridValue) => (a < b ? -1 : a > b ? 1 : 0)
    if (axis.kind === 'set') values.sort(axis.compare ?? (axis.order ? (a, b) => axis.order!.indexOf(String(a)) - axis.order!.indexOf(String(b)) : natural))
    const absent = axis.absent
    if (absent && values.length === absent.length && values.every((v, i) => entryId(key, v) === entryId(key, absent[i]))) continue
    normal[key] = values
  }
  return normal as unknown as Grid
}

export interface RunSpec {
  /** e.g. "p0-s42/baseline", "p1-s42/t0.2": the run folder relative to the sweep folder. */
  id: string
  /** Position in the whole grid's order. */
  index: number
  /** The prompt x seed group's position: shards and workers are dealt whole groups. */
  group: number
  promptIndex: number
  prompt: string
  seed: number
  /** null for the baseline (TeaCache off: diffusers' own forward) and for another method's runs. */
  threshold: number | null
  compile: CompileMode
  /** One of diffusers' caches (TeaCache off), or null. */
  method: MethodVariant | null
}

export const groupId = (promptIndex: number, seed: number) => `p${promptIndex}-s${seed}`
export const columnId = (threshold: number | null, compile: CompileMode = 'none', method: Pick<MethodVariant, 'id'> | null = null) =>
  method ? method.id : `${threshold === null ? 'baseline' : `t${threshold}`}${compile === 'blocks' ? '-compiled' : ''}`

/** Eager first: the eager baseline is what every other run of a group is compared with. */
export const compileModes = (grid: Pick<Grid, 'compile'>): CompileMode[] =>
  (['none', 'blocks'] as const).filter((mode) => (grid.compile ?? ['none']).includes(mode))

export function buildRuns(grid: Grid): RunSpec[] {
  const thresholds = [...grid.thresholds].sort((a, b) => a - b)
  const runs: RunSpec[] = []
  let group = 0
  for (const [promptIndex, prompt] of grid.prompts.entries()) {
    for (const seed of grid.seeds) {
      const add = (threshold: number | null, compile: CompileMode, method: MethodVariant | null) =>
        runs.push({ id: `${groupId(promptIndex, seed)}/${columnId(threshold, compile, method)}`, index: runs.length, group, promptIndex, prompt, seed, threshold, compile, method })
      for (const compile of compileModes(grid)) {
        for (const threshold of [null, ...thresholds]) add(threshold, compile, null)
        // diffusers' hooks go on the eager blocks: compiled blocks would compile them in (or not see them).
        if (compile === 'none') for (const method of grid.methods ?? []) add(null, compile, method)
      }
      group++
    }
  }
  return runs
}

/** Shard i of n (1-based, as Slurm's --array=1-N and test runners' --shard count). */
export interface Shard {
  index: number
  count: number
}

/**
 * Whole prompt x seed groups are dealt round-robin: a speedup divides a baseline's time by a
 * threshold's, so both must come from one process on one device, never from two workers.
 */
export function inShard(run: Pick<RunSpec, 'group'>, shard: Shard | undefined): boolean {
  return !shard || run.group % shard.count === shard.index - 1
}

/**
 * Split shard i/n over k workers: worker j gets shard (i + n*j)/(n*k). Round-robin dealing makes
 * the union of those exactly shard i/n, and they never overlap.
 */
export function splitShard(shard: Shard | undefined, workers: number): Shard[] {
  const base = shard ?? { index: 1, count: 1 }
  return Array.from({ length: workers }, (_, j) => ({ index: base.index + base.count * j, count: base.count * workers }))
}

export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text)
  const index = match ? Number(match[1]) : NaN
  const count = match ? Number(match[2]) : NaN
  if (!match || count < 1 || index < 1 || index > count) {
    throw new RangeError(`expected i/n with 1 <= i <= n (e.g. 1/4), got "${text}"`)
  }
  return { index, count }
}

export const formatShard = (shard: Shard) => `${shard.index}/${shard.count}`
