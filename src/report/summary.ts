import type { LpipsStatus } from '../quality/lpips.ts'
import type { VideoQuality } from '../quality/video.ts'
import type { RunRecord } from '../run/record.ts'
import { groupId } from '../sweep/grid.ts'
import type { FolderStatus } from '../sweep/state.ts'
import type { Collected } from './collect.ts'
import { referenceFor, type ReferenceMatch } from './reference.ts'

/**
 * The report's numbers, computed from the run records and frame comparisons alone (pure).
 * Latency is denoise + decode: the part of a generation TeaCache changes. Model loading, prompt
 * encoding (once per prompt in a sweep) and the MP4 encode are excluded.
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
  status: FolderStatus
  steps: number | null
  computed: number | null
  /** One entry per step: computed (true) or skipped. */
  schedule: boolean[] | null
  denoise: number | null
  decode: number | null
  latency: number | null
  /** The same prompt and seed's baseline latency divided by this run's. */
  speedup: number | null
  psnr: number | null
  ssim: number | null
  note: string | null
}

export interface ColumnSummary {
  threshold: number | null
  completed: number
  total: number
  latency: Stat
  denoise: Stat
  decode: Stat
  /** Mean baseline latency over mean latency of this column. */
  speedup: number | null
  computed: { min: number; max: number; steps: number } | null
  psnr: Stat
  ssim: Stat
}

export interface Setup {
  model: string
  version: string
  task: 't2v' | 'i2v'
  pipeline: string
  layers: number
  heads: number
  width: number
  height: number
  frames: number
  steps: number
  guidance: number
  dynamicCfg: boolean
  fps: number
  dtypes: string[]
  devices: string[]
  versions: string[]
  coefficients: string | null
  started: string | null
  finished: string | null
}

export interface ReportData {
  setup: Setup | null
  prompts: string[]
  seeds: number[]
  thresholds: number[]
  counts: Record<FolderStatus, number> & { total: number }
  groups: Array<{ id: string; promptIndex: number; seed: number }>
  columns: ColumnSummary[]
  runs: RunRow[]
  reference: ReferenceMatch | null
  lpips: LpipsStatus
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

const latencyOf = (r: RunRecord) => r.timings_s.denoise + r.timings_s.decode
const distinct = (values: readonly string[]) => [...new Set(values)].sort()

export function buildReportData(collected: Collected, quality: ReadonlyMap<string, QualityResult>, lpips: LpipsStatus): ReportData {
  const { grid } = collected.manifest
  const records = new Map(collected.runs.map((r) => [r.spec.id, r.folder.record]))
  const baselineOf = (promptIndex: number, seed: number) => {
    const run = collected.runs.find((r) => r.spec.promptIndex === promptIndex && r.spec.seed === seed && r.spec.threshold === null)
    return run?.folder.status === 'completed' ? run.folder.record : null
  }

  const runs: RunRow[] = collected.runs.map(({ spec, folder }) => {
    const record = folder.status === 'completed' ? folder.record : null
    const baseline = baselineOf(spec.promptIndex, spec.seed)
    const q = quality.get(spec.id)
    const measuredQuality = q && !('error' in q) ? q : null
    return {
      id: spec.id,
      group: groupId(spec.promptIndex, spec.seed),
      promptIndex: spec.promptIndex,
      seed: spec.seed,
      threshold: spec.threshold,
      status: folder.status,
      steps: record ? record.steps.length : null,
      computed: record ? record.computed_steps : null,
      schedule: record ? record.steps.map((s) => s.computed) : null,
      denoise: record ? record.timings_s.denoise : null,
      decode: record ? record.timings_s.decode : null,
      latency: record ? latencyOf(record) : null,
      speedup: record && baseline ? latencyOf(baseline) / latencyOf(record) : null,
      psnr: measuredQuality?.psnr ?? null,
      ssim: measuredQuality?.ssim ?? null,
      note: noteFor(folder.status, folder.record, folder.problem, q),
    }
  })

  const baselineLatency = stat(runs.filter((r) => r.threshold === null && r.latency !== null).map((r) => r.latency!))
  const columns = [null, ...grid.thresholds].map((threshold): ColumnSummary => {
    const column = runs.filter((r) => r.threshold === threshold)
    const done = column.filter((r) => r.status === 'completed')
    const latency = stat(done.map((r) => r.latency!))
    const computed = done.map((r) => r.computed!)
    return {
      threshold,
      completed: done.length,
      total: column.length,
      latency,
      denoise: stat(done.map((r) => r.denoise!)),
      decode: stat(done.map((r) => r.decode!)),
      speedup: baselineLatency.mean !== null && latency.mean ? baselineLatency.mean / latency.mean : null,
      computed: done.length ? { min: Math.min(...computed), max: Math.max(...computed), steps: done[0].steps! } : null,
      psnr: stat(column.filter((r) => r.psnr !== null).map((r) => r.psnr!)),
      ssim: stat(column.filter((r) => r.ssim !== null).map((r) => r.ssim!)),
    }
  })

  const counts = { total: runs.length, completed: 0, failed: 0, interrupted: 0, missing: 0, incomplete: 0, unreadable: 0 }
  for (const r of runs) counts[r.status]++
  const groups = grid.prompts.flatMap((_, promptIndex) => grid.seeds.map((seed) => ({ id: groupId(promptIndex, seed), promptIndex, seed })))
  const setup = buildSetup([...records.values()].filter((r): r is RunRecord => r !== null))
  const reference = setup
    ? referenceFor({ ...setup, num_layers: setup.layers, num_attention_heads: setup.heads })
    : null
  return { setup, prompts: grid.prompts, seeds: grid.seeds, thresholds: grid.thresholds, counts, groups, columns, runs, reference, lpips }
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

function buildSetup(records: RunRecord[]): Setup | null {
  const first = records.find((r) => r.status === 'completed') ?? records[0]
  if (!first) return null
  const { config, model } = first
  const cached = records.find((r) => r.teacache.enabled && r.teacache.coefficients)
  const times = records.flatMap((r) => [r.started_at, r.finished_at]).sort()
  return {
    model: model.model,
    version: model.version,
    task: model.task,
    pipeline: model.pipeline_class,
    layers: model.num_layers,
    heads: model.num_attention_heads,
    width: config.width,
    height: config.height,
    frames: config.frames,
    steps: config.steps,
    guidance: config.guidance_scale,
    dynamicCfg: config.use_dynamic_cfg,
    fps: config.fps,
    dtypes: distinct(records.map((r) => r.environment.dtype)),
    devices: distinct(records.map((r) => (r.environment.device_name && r.environment.device_name !== r.environment.device ? `${r.environment.device} (${r.environment.device_name})` : r.environment.device))),
    versions: distinct(records.map((r) => `torch ${r.environment.torch}, diffusers ${r.environment.diffusers}, transformers ${r.environment.transformers}, Python ${r.environment.python}, teacache ${r.environment.teacache}`)),
    coefficients: cached ? `[${cached.teacache.coefficients!.join(', ')}] (${cached.teacache.coefficients_source})` : null,
    started: times[0] ?? null,
    finished: times.at(-1) ?? null,
  }
}
