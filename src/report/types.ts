import type { LpipsStatus } from '../quality/lpips.ts'
import type { MedianInterval } from '../stats/interval.ts'
import type { CompileMode } from '../sweep/grid.ts'
import type { GridGrowth } from '../sweep/manifest.ts'
import type { FolderStatus } from '../sweep/state.ts'
import type { Suspicion } from './bound.ts'
import type { ReferenceMatch } from './reference.ts'
import type { GroupSession } from './sessions.ts'
import type { Setup } from './setup.ts'
import type { Work } from './work.ts'
import type { QualitySummary } from './quality-cache.ts'
import type { Placement, Process } from './placement.ts'

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
  /** The median's interval over the paired rounds (null: one pair, or records from before rounds). */
  interval: MedianInterval | null
  /** Per-round baseline / run ratios behind `speedup`. */
  ratios: number[]
  /** The session whose rounds were paired (null: unpaired, older records). */
  session: string | null
  /** The least speedup the run's schedule allows (TeaCache runs only; see bound.ts). */
  lower: number | null
  /** Set when the speedup must not be presented as a result. */
  suspect: Suspicion | null
  /** Peak device memory (bytes); null on a CPU or when not recorded. */
  memory: number | null
  psnr: number | null
  ssim: number | null
  /** Temporal consistency against the baseline (src/quality/video.ts), 8-bit levels. */
  flicker: number | null
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
  /** Median of the per-round ratios pooled over this column's runs that are not suspect; null: no trustworthy measurement. */
  speedup: number | null
  /** Its interval, and how many per-round ratios it pools. */
  interval: MedianInterval | null
  pairs: number
  /** Fastest and slowest ratio of any round of the column, suspect runs included: how much its rounds varied. */
  spread: { min: number; max: number } | null
  /** The median of the included runs' ideals: the most `speedup` could be. */
  ideal: number | null
  /** The median of the included runs' lower bounds (TeaCache columns). */
  lower: number | null
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
  groups: Array<{ id: string; promptIndex: number; seed: number; placement: Placement; sessions: GroupSession[] }>
  /** Every process that wrote a record, with its warm-up. */
  processes: Process[]
  columns: ColumnSummary[]
  runs: RunRow[]
  reference: ReferenceMatch | null
  lpips: LpipsStatus
  /** How the grid grew after the sweep began (sweep.json `history`). */
  growth: GridGrowth[]
}

export type QualityResult = QualitySummary | { error: string }
