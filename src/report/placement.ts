import type { RunRecord, WorkerInfo } from '../run/record.ts'

/**
 * Where runs ran, from run.json `worker`. A speedup compares two timings; they mean something only
 * when both ran in the same process on the same device of the same host. Records from before
 * `worker` existed say nothing, and nothing is claimed about them.
 */
export interface Placement {
  /** Each worker that ran some run of the group, with those runs' ids. */
  workers: Array<{ worker: WorkerInfo; runs: string[] }>
  /** Runs whose record does not say where they ran. */
  unrecorded: string[]
  /** The baseline and some threshold of the group ran on different workers. */
  split: boolean
}

/** One process that timed runs (a host and a pid), with whether it warmed up before its first run. */
export interface Process {
  worker: WorkerInfo | null
  /** Ids of its runs, in the order they started. */
  runs: string[]
  /** timings_s.warmup of its first run: null when absent (no warm-up recorded). */
  warmup: number | null
  compile: number | null
}

/** What placement reads of a run: a record or its digest (./digest.ts). */
export type PlacedRecord = Pick<RunRecord, 'worker' | 'started_at' | 'timings_s' | 'timing'>

export interface PlacedRun<R extends PlacedRecord = PlacedRecord> {
  id: string
  threshold: number | null
  record: R
}

const workerKey = (w: WorkerInfo) => JSON.stringify([w.host, w.device, w.device_index, w.device_name, w.pid])

/** True or false when both records say where they ran; null when either does not. */
export function sameWorker(a: WorkerInfo | undefined, b: WorkerInfo | undefined): boolean | null {
  return a && b ? workerKey(a) === workerKey(b) : null
}

/** The run's own timing session also timed the baseline: its speedup pairs timings of one process. */
export function sharesSession(baseline: PlacedRecord, run: PlacedRecord): boolean {
  const own = run.timing?.sessions.at(-1)?.id
  return own !== undefined && (baseline.timing?.sessions ?? []).some((s) => s.id === own)
}

export function describePlace(w: WorkerInfo): string {
  const where = w.device_index === null ? w.device : `${w.device}, index ${w.device_index}`
  return `host \`${w.host}\`, ${w.device_name || w.device} (${where}), pid ${w.pid}`
}

export function placementOf(runs: readonly PlacedRun[]): Placement {
  const workers = new Map<string, { worker: WorkerInfo; runs: string[] }>()
  const unrecorded: string[] = []
  for (const run of runs) {
    const w = run.record.worker
    if (!w) {
      unrecorded.push(run.id)
      continue
    }
    const entry = workers.get(workerKey(w)) ?? { worker: w, runs: [] }
    entry.runs.push(run.id)
    workers.set(workerKey(w), entry)
  }
  // The group's first run is its baseline (grid order); every other run is timed against it, by
  // the process that made it or, in a grown sweep, by a later one that timed the baseline again.
  const baseline = runs.find((r) => r.threshold === null)
  const split = !!baseline && runs.some((r) => r !== baseline && sameWorker(baseline.record.worker, r.record.worker) === false && !sharesSession(baseline.record, r.record))
  return { workers: [...workers.values()], unrecorded, split }
}

/**
 * The processes behind the records, each with its runs in start order. Records without `worker`
 * are taken as one process: they come from a teacache that neither recorded where it ran nor
 * warmed up, so their first run is the one that paid for the cold start.
 */
export function processesOf(runs: readonly PlacedRun[]): Process[] {
  const byKey = new Map<string, PlacedRun[]>()
  for (const run of runs) {
    const w = run.record.worker
    const key = w ? JSON.stringify([w.host, w.pid]) : 'unrecorded'
    const list = byKey.get(key)
    if (list) list.push(run)
    else byKey.set(key, [run])
  }
  return [...byKey.values()].map((group) => {
    const ordered = [...group].sort((a, b) => a.record.started_at.localeCompare(b.record.started_at) || a.id.localeCompare(b.id))
    const first = ordered[0].record
    return { worker: first.worker ?? null, runs: ordered.map((r) => r.id), warmup: first.timings_s.warmup ?? null, compile: first.timings_s.compile ?? null }
  })
}

/** A process without a warm-up: its first run paid for cold caches and kernel selection. */
export const coldStart = (p: Process) => !(p.warmup !== null && p.warmup > 0)
