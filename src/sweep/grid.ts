import type { MethodVariant } from '../methods/variant.ts'

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
