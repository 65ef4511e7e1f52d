import type { LpipsStatus } from '../quality/lpips.ts'
import type { VideoQuality } from '../quality/video.ts'
import type { RunRecord } from '../run/record.ts'
import { compileModes, groupId, type CompileMode } from '../sweep/grid.ts'
import type { FolderStatus } from '../sweep/state.ts'
import { idealSpeedup, type Suspicion } from './bound.ts'
import type { Collected } from './collect.ts'
import { referenceFor, type ReferenceMatch } from './reference.ts'
import { methodColumn, summarize } from './columns.ts'
import { buildSetup, type Setup } from './setup.ts'
import { suspicionFor, type TimedRun } from './suspect.ts'
import { runTiming, type RunTiming } from './timing.ts'
import { avoidedNothing, idealFromWork, stepWork, workOf, type Work } from './work.ts'
import { placementOf, processesOf, type PlacedRun, type Placement, type Process } from './workers.ts'
import type { GridGrowth } from '../sweep/manifest.ts'

export type { Setup } from './setup.ts'
export { stat } from './columns.ts'

/**
 * The report's numbers, computed from the run records and frame comparisons alone (pure).
 * Latency is denoise + decode: the part of a generation TeaCache changes, as the median of a run's
 * timed repeats. Model loading, warm-up, prompt encoding (once per prompt in a sweep), frame
 * writing and the MP4 encode are excluded.
 */
export interface Stat {
  n: number
  mean: number | null
  /** Sample standard deviation (n - 1); null for fewer than two values or any infinite one. */
  sd: number | null
}

/** One of diffusers' caches as a report column names it. */
export interface MethodColumn {
  /** The variant's run id ("fbc0.05"). */
  id: string
  title: string
  /** Whole blocks only (its counts bound its speedup) or parts of blocks that still run. */
  reuses: 'blocks' | 'parts'
}

export interface RunRow {
  id: string
  group: string
  promptIndex: number
  seed: number
  threshold: number | null
  compile: CompileMode
  /** One of diffusers' caches (threshold null, TeaCache off), or null. */
  method: MethodColumn | null
  /** The run every other run of its prompt and seed is compared with: the eager baseline (or the only baseline). */
  reference: boolean
  status: FolderStatus
  steps: number | null
  computed: number | null
  /** One entry per step: computed (true) or skipped. */
  schedule: boolean[] | null
  /** Per step, the share of its work that ran, from the counts (null: not counted). */
  stepWork: number[] | null
  /** The work that ran against the reference baseline's (null: not counted in both). */
  work: Work | null
  /** A cached variant that ran everything its baseline ran: it did nothing here. null: baselines, or not known. */
  idle: boolean | null
  /** Timed repeats behind the latency. */
  n: number | null
  /** Denoise and decode of the median repeat. */
  denoise: number | null
  decode: number | null
  /** Median over the repeats of denoise + decode. */
  latency: number | null
  /** Fastest and slowest repeat. */
  spread: { min: number; max: number } | null
  /** The same prompt and seed's reference baseline latency divided by this run's. */
  speedup: number | null
  /**
   * The most this run's schedule allows over that baseline (see bound.ts), from the baseline with
   * the same blocks (eager or compiled); null for baselines, whose compiled speed has no such bound.
   */
  ideal: number | null
  /** Set when the speedup must not be presented as a result. */
  suspect: Suspicion | null
  /** Peak device memory (bytes); null on a CPU or when not recorded. */
  memory: number | null
  psnr: number | null
  ssim: number | null
  note: string | null
}

export interface ColumnSummary {
  threshold: number | null
  compile: CompileMode
  method: MethodColumn | null
  /** The reference baseline's column (no speedup or quality against itself). */
  reference: boolean
  completed: number
  total: number
  latency: Stat
  denoise: Stat
  decode: Stat
  /** Summed baseline latency over summed latency of this column's runs that have a baseline and are not suspect. */
  speedup: number | null
  /** The same sums with each run at its ideal latency: the most `speedup` could be. */
  ideal: number | null
  /** Completed runs left out of `speedup` because they are suspect. */
  excluded: number
  /** `speedup` is above `ideal`. */
  aboveIdeal: boolean
  computed: { min: number; max: number; steps: number } | null
  /** Fewest and most timed repeats of a completed run. */
  repeats: { min: number; max: number } | null
  /** Largest peak device memory of the column's runs (bytes); null when none recorded one. */
  memory: number | null
  /** Mean over the completed runs of the work that ran against their baselines; null when not counted. */
  work: Work | null
  /** Completed runs that avoided no work at all. */
  idle: number
  psnr: Stat
  ssim: Stat
}

export interface ReportData {
  setup: Setup | null
  prompts: string[]
  seeds: number[]
  thresholds: number[]
  counts: Record<FolderStatus, number> & { total: number }
  groups: Array<{ id: string; promptIndex: number; seed: number; placement: Placement }>
  /** Every process that wrote a record, with its warm-up. */
  processes: Process[]
  columns: ColumnSummary[]
  runs: RunRow[]
  reference: ReferenceMatch | null
  lpips: LpipsStatus
  /** How the grid grew after the sweep began (sweep.json `history`). */
  growth: GridGrowth[]
}

export type QualityResult = VideoQuality | { error: string }

export function buildReportData(collected: Collected, quality: ReadonlyMap<string, QualityResult>, lpips: LpipsStatus): ReportData {
  const { grid } = collected.manifest
  const placed: PlacedRun[] = collected.runs.flatMap(({ spec, folder }) => (folder.record ? [{ id: spec.id, threshold: spec.threshold, record: folder.record }] : []))
  const processes = processesOf(placed)
  const timings = new Map<string, RunTiming>()
  for (const { spec, folder } of collected.runs) if (folder.status === 'completed') timings.set(spec.id, runTiming(folder.record!))
  // Eager first: with compiled variants in the grid, the eager baseline is what everything is compared with.
  const modes = compileModes(grid)
  const referenceMode = modes[0]
  const isBaseline = (spec: { threshold: number | null; method: unknown }) => spec.threshold === null && spec.method === null
  const baselineOf = (promptIndex: number, seed: number, compile: CompileMode) =>
    collected.runs.find((r) => r.spec.promptIndex === promptIndex && r.spec.seed === seed && isBaseline(r.spec) && r.spec.compile === compile && r.folder.status === 'completed')
  const baselines = new Map(collected.runs.filter((r) => isBaseline(r.spec) && r.spec.compile === referenceMode && timings.has(r.spec.id)).map((r) => [r.spec.id, timings.get(r.spec.id)!.latency]))

  const runs: RunRow[] = collected.runs.map(({ spec, folder }) => {
    const record = folder.status === 'completed' ? folder.record : null
    const timing = timings.get(spec.id) ?? null
    const reference = isBaseline(spec) && spec.compile === referenceMode
    const base = baselineOf(spec.promptIndex, spec.seed, referenceMode)
    const baseTiming = base ? timings.get(base.spec.id)! : null
    const speedup = timing && baseTiming ? baseTiming.latency / timing.latency : null
    // The schedule bounds a run against the baseline with the same blocks; compiled blocks are
    // faster per step, so that bound is carried over to the reference baseline by their ratio.
    // Methods run on eager blocks: their counts bound them against the eager baseline directly.
    const own = isBaseline(spec) ? undefined : baselineOf(spec.promptIndex, spec.seed, spec.compile)
    const ownTiming = own ? timings.get(own.spec.id)! : null
    const work = record && own ? workOf(record.compute, own.folder.record!.compute) : null
    const ideal = !record || !own || !baseTiming
      ? null
      : spec.method
        ? work && idealFromWork(work, ownTiming!)
        : scaled(idealSpeedup(record.steps.length, record.computed_steps, { denoise: ownTiming!.denoise, decode: ownTiming!.decode, steps: own.folder.record!.steps.length }), baseTiming.latency / ownTiming!.latency)
    const timed = (id: string, r: RunRecord, t: RunTiming): TimedRun => ({ id, record: r, latency: t.latency })
    const suspect = record && base && speedup !== null && !reference
      ? suspicionFor(timed(spec.id, record, timing!), timed(base.spec.id, base.folder.record!, baseTiming!), speedup, ideal, { processes, baselines })
      : null
    const q = quality.get(spec.id)
    const measuredQuality = q && !('error' in q) ? q : null
    return {
      id: spec.id,
      group: groupId(spec.promptIndex, spec.seed),
      promptIndex: spec.promptIndex,
      seed: spec.seed,
      threshold: spec.threshold,
      compile: spec.compile,
      method: spec.method ? methodColumn(spec.method) : null,
      reference,
      status: folder.status,
      steps: record ? record.steps.length : null,
      computed: record ? record.computed_steps : null,
      schedule: record ? record.steps.map((s) => s.computed) : null,
      stepWork: record ? stepWork(record.compute) : null,
      work,
      idle: record && own ? avoidedNothing(record, own.folder.record!) : null,
      n: timing?.n ?? null,
      denoise: timing?.denoise ?? null,
      decode: timing?.decode ?? null,
      latency: timing?.latency ?? null,
      spread: timing ? { min: timing.min, max: timing.max } : null,
      speedup,
      ideal,
      suspect,
      memory: record?.memory?.device_peak_bytes ?? null,
      psnr: measuredQuality?.psnr ?? null,
      ssim: measuredQuality?.ssim ?? null,
      note: noteFor(folder.status, folder.record, folder.problem, q),
    }
  })

  const columns = modes.flatMap((compile) => [
    ...[null, ...grid.thresholds].map((threshold) => summarize(threshold, compile, null, runs.filter((r) => r.threshold === threshold && r.compile === compile && r.method === null))),
    ...(compile === 'none' ? (grid.methods ?? []).map((v) => summarize(null, compile, methodColumn(v), runs.filter((r) => r.method?.id === v.id))) : []),
  ])
  const counts = { total: runs.length, completed: 0, failed: 0, interrupted: 0, missing: 0, incomplete: 0, unreadable: 0 }
  for (const r of runs) counts[r.status]++
  const groups = grid.prompts.flatMap((_, promptIndex) => grid.seeds.map((seed) => {
    const id = groupId(promptIndex, seed)
    return { id, promptIndex, seed, placement: placementOf(placed.filter((p) => p.id.startsWith(`${id}/`))) }
  }))
  const setup = buildSetup(placed.map((p) => p.record))
  const reference = setup
    ? referenceFor({ ...setup, num_layers: setup.layers, num_attention_heads: setup.heads })
    : null
  return { setup, prompts: grid.prompts, seeds: grid.seeds, thresholds: grid.thresholds, counts, groups, processes, columns, runs, reference, lpips, growth: collected.manifest.history ?? [] }
}

const scaled = (ideal: number | null, factor: number) => (ideal === null || !Number.isFinite(factor) ? null : ideal * factor)

function noteFor(status: FolderStatus, record: RunRecord | null, problem: string | undefined, q: QualityResult | undefined): string | null {
  switch (status) {
    case 'failed':
    case 'interrupted':
      return `${status}${record?.error ? `: ${record.error.code}: ${record.error.message}` : ''}`
    case 'missing':
      return 'not run yet'
    case 'incomplete':
      return 'no run.json: the process stopped during this run'
    case 'unreadable':
      return `run.json unreadable: ${problem ?? 'unknown problem'}`
    default:
      return q && 'error' in q ? `quality not measured: ${q.error}` : null
  }
}
