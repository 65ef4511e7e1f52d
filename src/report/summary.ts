import type { LpipsStatus } from '../quality/lpips.ts'
import type { VideoQuality } from '../quality/video.ts'
import type { RunRecord } from '../run/record.ts'
import { compileModes, groupId, type CompileMode } from '../sweep/grid.ts'
import type { FolderStatus } from '../sweep/state.ts'
import { idealSpeedup, type Suspicion } from './bound.ts'
import type { Collected } from './collect.ts'
import { referenceFor, type ReferenceMatch } from './reference.ts'
import { buildSetup, type Setup } from './setup.ts'
import { suspicionFor, type TimedRun } from './suspect.ts'
import { runTiming, type RunTiming } from './timing.ts'
import { placementOf, processesOf, type PlacedRun, type Placement, type Process } from './workers.ts'
import type { GridGrowth } from '../sweep/manifest.ts'

export type { Setup } from './setup.ts'

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

export interface RunRow {
  id: string
  group: string
  promptIndex: number
  seed: number
  threshold: number | null
  compile: CompileMode
  /** The run every other run of its prompt and seed is compared with: the eager baseline (or the only baseline). */
  reference: boolean
  status: FolderStatus
  steps: number | null
  computed: number | null
  /** One entry per step: computed (true) or skipped. */
  schedule: boolean[] | null
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

export function stat(values: readonly number[]): Stat {
  const n = values.length
  if (n === 0) return { n, mean: null, sd: null }
  const mean = values.reduce((a, b) => a + b, 0) / n
  if (n < 2 || !values.every(Number.isFinite)) return { n, mean, sd: null }
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1))
  return { n, mean, sd }
}

const range = (values: readonly number[]) => (values.length ? { min: Math.min(...values), max: Math.max(...values) } : null)

export function buildReportData(collected: Collected, quality: ReadonlyMap<string, QualityResult>, lpips: LpipsStatus): ReportData {
  const { grid } = collected.manifest
  const placed: PlacedRun[] = collected.runs.flatMap(({ spec, folder }) => (folder.record ? [{ id: spec.id, threshold: spec.threshold, record: folder.record }] : []))
  const processes = processesOf(placed)
  const timings = new Map<string, RunTiming>()
  for (const { spec, folder } of collected.runs) if (folder.status === 'completed') timings.set(spec.id, runTiming(folder.record!))
  // Eager first: with compiled variants in the grid, the eager baseline is what everything is compared with.
  const modes = compileModes(grid)
  const referenceMode = modes[0]
  const baselineOf = (promptIndex: number, seed: number, compile: CompileMode) =>
    collected.runs.find((r) => r.spec.promptIndex === promptIndex && r.spec.seed === seed && r.spec.threshold === null && r.spec.compile === compile && r.folder.status === 'completed')
  const baselines = new Map(collected.runs.filter((r) => r.spec.threshold === null && r.spec.compile === referenceMode && timings.has(r.spec.id)).map((r) => [r.spec.id, timings.get(r.spec.id)!.latency]))

  const runs: RunRow[] = collected.runs.map(({ spec, folder }) => {
    const record = folder.status === 'completed' ? folder.record : null
    const timing = timings.get(spec.id) ?? null
    const reference = spec.threshold === null && spec.compile === referenceMode
    const base = baselineOf(spec.promptIndex, spec.seed, referenceMode)
    const baseTiming = base ? timings.get(base.spec.id)! : null
    const speedup = timing && baseTiming ? baseTiming.latency / timing.latency : null
    // The schedule bounds a run against the baseline with the same blocks; compiled blocks are
    // faster per step, so that bound is carried over to the reference baseline by their ratio.
    const own = spec.threshold === null ? undefined : baselineOf(spec.promptIndex, spec.seed, spec.compile)
    const ownTiming = own ? timings.get(own.spec.id)! : null
    const ideal = record && own && baseTiming && spec.threshold !== null
      ? scaled(idealSpeedup(record.steps.length, record.computed_steps, { denoise: ownTiming!.denoise, decode: ownTiming!.decode, steps: own.folder.record!.steps.length }), baseTiming.latency / ownTiming!.latency)
      : null
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
      reference,
      status: folder.status,
      steps: record ? record.steps.length : null,
      computed: record ? record.computed_steps : null,
      schedule: record ? record.steps.map((s) => s.computed) : null,
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

  const columns = modes.flatMap((compile) =>
    [null, ...grid.thresholds].map((threshold) => summarize(threshold, compile, runs.filter((r) => r.threshold === threshold && r.compile === compile))))
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

function summarize(threshold: number | null, compile: CompileMode, column: RunRow[]): ColumnSummary {
  const done = column.filter((r) => r.status === 'completed')
  // Paired: each run against the baseline of its own prompt and seed, so a failed run does not
  // take its group's baseline out of one side only.
  const included = done.filter((r) => r.speedup !== null && !r.suspect)
  const baselineSum = included.reduce((a, r) => a + r.latency! * r.speedup!, 0)
  const latencySum = included.reduce((a, r) => a + r.latency!, 0)
  const idealSum = included.every((r) => r.ideal !== null) ? included.reduce((a, r) => a + (r.latency! * r.speedup!) / r.ideal!, 0) : null
  const speedup = included.length ? baselineSum / latencySum : null
  const ideal = threshold !== null && included.length && idealSum ? baselineSum / idealSum : null
  const reference = column.some((r) => r.reference)
  const computed = done.map((r) => r.computed!)
  const memory = done.flatMap((r) => (r.memory === null ? [] : [r.memory]))
  return {
    threshold,
    compile,
    reference,
    completed: done.length,
    total: column.length,
    latency: stat(done.map((r) => r.latency!)),
    denoise: stat(done.map((r) => r.denoise!)),
    decode: stat(done.map((r) => r.decode!)),
    speedup,
    ideal,
    excluded: done.filter((r) => r.suspect).length,
    aboveIdeal: speedup !== null && ideal !== null && speedup > ideal * (1 + 1e-9),
    computed: done.length ? { min: Math.min(...computed), max: Math.max(...computed), steps: done[0].steps! } : null,
    repeats: range(done.map((r) => r.n!)),
    memory: memory.length ? Math.max(...memory) : null,
    psnr: stat(column.filter((r) => r.psnr !== null).map((r) => r.psnr!)),
    ssim: stat(column.filter((r) => r.ssim !== null).map((r) => r.ssim!)),
  }
}

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
