import { createHash } from 'node:crypto'
import { TeacacheError } from '../errors.ts'
import { canonicalJson } from '../util/json.ts'
import { formatShard, inShard, normalizeGrid, type Grid, type RunSpec, type Shard } from '../sweep/grid.ts'

/**
 * `tune --shard i/n` (and the workers of `tune --devices`): every shard makes its share of each
 * step of the search (whole prompt x seed groups, dealt as a sweep deals them) and then waits
 * until the other shards' cells of that step are recorded in the shared folder. Every shard then
 * reads the same records, judges the same gate and probes the same next candidate, so no shard
 * needs to tell another what to do. This file is the pure part: who makes what, who waits for
 * what, and when a wait has to give up. The folder side is src/tune/peers.ts.
 */

/** The shard (1-based) that makes a cell: the one its prompt x seed group is dealt to. */
export const ownerOf = (cell: Pick<RunSpec, 'group'>, count: number): number => (cell.group % count) + 1

/** A step's cells: the ones this process makes, and the ones it waits for (the other shards'). */
export function splitStep<T extends Pick<RunSpec, 'group'>>(cells: readonly T[], shard: Shard | undefined): { mine: T[]; awaited: T[] } {
  return { mine: cells.filter((c) => inShard(c, shard)), awaited: cells.filter((c) => !inShard(c, shard)) }
}

/** Only shard 1 writes tune.json, tuned.yaml and the report: the others hold the same decisions. */
export const writesOutputs = (shard: Shard | undefined): boolean => !shard || shard.index === 1

/**
 * A shard that holds no tuning group would only wait on the others (and, holding nothing, could
 * not be told apart from one that died): refused before anything starts. Tuning groups come first
 * in the grid, so shard i has one exactly when i <= the number of tuning groups.
 */
export function checkShares(shards: readonly Shard[], tuningGroups: number, flag: string): void {
  const idle = shards.find((s) => s.index > tuningGroups)
  if (!idle) return
  const what = flag === '--devices' ? `${shards.length} devices` : `shard ${formatShard(idle)}`
  throw new TeacacheError('CONFIG', `${flag}: ${what} for ${tuningGroups} tuning prompt x seed group${tuningGroups === 1 ? '' : 's'}: shard ${formatShard(idle)} would have none to run; use at most ${tuningGroups} shard${tuningGroups === 1 ? '' : 's'} in all`)
}

/**
 * What makes processes shards of one tune: the folder's settings, prompts and seeds (not the
 * cells the search adds: the grid grows as it probes, and a shard started late sees it grown), and
 * everything that steers the search. Shards that disagree on any of it would wait on cells the
 * others never make; src/sweep/writers.ts refuses them instead.
 */
export function tuneIdentity(parts: { fingerprint: string; grid: Grid; gate: string; quantile: number; tuning: number[]; held: number[]; methods?: string; compile?: string }): string {
  const steer = { ...parts, grid: normalizeGrid({ prompts: parts.grid.prompts, seeds: parts.grid.seeds, thresholds: [] }) }
  return `tune-${parts.fingerprint}-${createHash('sha256').update(canonicalJson(steer)).digest('hex').slice(0, 16)}`
}

/**
 * A step's fingerprint: the cells it holds, whoever makes them. Every shard records it, so shards
 * that came to different decisions (records read differently) stop instead of each waiting for
 * cells the other never makes.
 */
export const stepDigest = (cells: ReadonlyArray<{ id: string }>): string =>
  createHash('sha256').update(cells.map((c) => c.id).sort().join('\n')).digest('hex').slice(0, 12)

/** What the folder says of one other shard (src/tune/peers.ts reads it). */
export interface PeerView {
  state: 'running' | 'ended'
  /** Its process still runs (only decidable on this host: one on another host counts as alive). */
  alive: boolean
  /** Registered before this process started: perhaps left by an earlier attempt, not yet started again. */
  stale: boolean
  /** Generations it made in each step it finished its share of, in order, and each step's digest. */
  steps: number[]
  digests: string[]
  /** How it was started, and where: for the message that says how to resume it. */
  command: string
  where: string
}

export type WaitVerdict =
  | { kind: 'ready'; generations: number }
  | { kind: 'wait'; peers: Array<{ index: number; started: boolean; cells: string[] }> }
  | { kind: 'gone'; peers: Array<{ index: number; view: PeerView; cells: string[] }> }
  | { kind: 'disagree'; index: number; command: string }

/**
 * Whether step `step` (1-based) may be judged: every awaited cell recorded, and every shard still
 * running past that step (so that its count of generations for the step is final). A shard whose
 * cells are missing and that has ended, or whose process is gone, never makes them: give up, after
 * `graceMs` if its entry is older than this process (it may be about to be started again).
 */
export function judgeWait(input: {
  step: number
  digest: string
  me: Shard
  cells: ReadonlyArray<{ id: string; owner: number; settled: boolean }>
  peers: ReadonlyMap<number, PeerView | null>
  waitedMs: number
  graceMs: number
}): WaitVerdict {
  let generations = 0
  const waiting: Array<{ index: number; started: boolean; cells: string[] }> = []
  const gone: Array<{ index: number; view: PeerView; cells: string[] }> = []
  for (let index = 1; index <= input.me.count; index++) {
    if (index === input.me.index) continue
    const view = input.peers.get(index) ?? null
    // An entry left by an earlier attempt may have searched other records: only this attempt's shards can disagree.
    const theirs = view && (!view.stale || (view.state === 'running' && view.alive)) ? view.digests[input.step - 1] : undefined
    if (theirs !== undefined && theirs !== input.digest) return { kind: 'disagree', index, command: view!.command }
    const cells = input.cells.filter((c) => c.owner === index && !c.settled).map((c) => c.id)
    if (view && view.state === 'running' && view.alive) {
      if (cells.length > 0 || view.steps.length < input.step) waiting.push({ index, started: true, cells })
      else generations += view.steps[input.step - 1]
      continue
    }
    // Ended, gone, or not started: its cells are what they are.
    if (cells.length === 0) {
      generations += view?.steps[input.step - 1] ?? 0
      continue
    }
    if (!view || (view.stale && input.waitedMs < input.graceMs)) waiting.push({ index, started: false, cells })
    else gone.push({ index, view, cells })
  }
  if (gone.length > 0) return { kind: 'gone', peers: gone }
  if (waiting.length > 0) return { kind: 'wait', peers: waiting }
  return { kind: 'ready', generations }
}

const listed = (cells: string[]) => `${cells.slice(0, 4).join(', ')}${cells.length > 4 ? ` and ${cells.length - 4} more` : ''}`

/** Shards that decided differently (they never should: they read the same records) stop rather than deadlock. */
export function disagreeError(me: Shard, step: number, verdict: Extract<WaitVerdict, { kind: 'disagree' }>): TeacacheError {
  return new TeacacheError(
    'PYTHON',
    `shard ${formatShard({ index: verdict.index, count: me.count })} (\`${verdict.command}\`) made other cells than shard ${formatShard(me)} in step ${step} of the search: ` +
      'the shards read different records, so they would wait for each other for ever; the runs made so far are kept, and one process (without --shard) resumes the tune from them',
  )
}

/** The line a waiting shard prints once per step. */
export function describeWait(me: Shard, peers: Extract<WaitVerdict, { kind: 'wait' }>['peers']): string {
  const parts = peers.map((p) => {
    const shard = formatShard({ index: p.index, count: me.count })
    return p.started ? `shard ${shard}${p.cells.length ? ` (${listed(p.cells)})` : ''}` : `shard ${shard}, not started yet (${listed(p.cells)})`
  })
  return `shard ${formatShard(me)}: waiting for ${parts.join('; ')}`
}

/** Why the wait gives up, and how to go on: the cells that will not come, and the command that makes them. */
export function goneError(me: Shard, dir: string, peers: Extract<WaitVerdict, { kind: 'gone' }>['peers']): TeacacheError {
  const parts = peers.map(({ index, view, cells }) => {
    const how = view.state === 'ended' ? 'ended' : 'is no longer running'
    return `shard ${formatShard({ index, count: me.count })} (${view.where}) ${how} without making ${listed(cells)}; it was started as \`${view.command}\``
  })
  return new TeacacheError(
    'PYTHON',
    `${parts.join('; ')}: shard ${formatShard(me)} cannot judge the gate without them. The runs made so far are kept in ${dir}; ` +
      'start the missing shard again with its command and rerun this one (or rerun the --devices command) to resume',
  )
}
