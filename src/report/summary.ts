import type { LpipsStatus } from '../quality/lpips.ts'
import type { VideoQuality } from '../quality/video.ts'
import type { RunDigest } from './digest.ts'
import { compileModes, groupId, type CompileMode } from '../sweep/grid.ts'
import type { FolderStatus } from '../sweep/state.ts'
import { idealSpeedup, lowerSpeedup, type Suspicion } from './bound.ts'
import { pairedSpeedup } from './paired.ts'
import { sessionsOf, type GroupSession } from './sessions.ts'
import type { MedianInterval } from '../stats/interval.ts'
import type { Collected } from './collect.ts'
import { referenceFor, type ReferenceMatch } from './reference.ts'
import { methodColumn, summarize } from './columns.ts'
import { buildSetup, type Setup } from './setup.ts'
import { suspicionFor, type TimedRun } from './suspect.ts'
import { runTiming, type RunTiming } from './timing.ts'
import { avoidedNothing, idealFromWork, workOf } from './work.ts'
import { placementOf, processesOf, type PlacedRun, type Placement, type Process } from './placement.ts'
import type { GridGrowth } from '../sweep/manifest.ts'

export type { Setup } from './setup.ts'
export type { ColumnSummary, MethodColumn, QualityResult, ReportData, RunRow, Stat } from './types.ts'
import type { ColumnSummary, QualityResult, ReportData, RunRow } from './types.ts'
export { stat } from './columns.ts'


export function buildReportData(collected: Collected, quality: ReadonlyMap<string, QualityResult>, lpips: LpipsStatus): ReportData {
  const { grid } = collected.manifest
  const placed: Array<PlacedRun<RunDigest>> = collected.runs.flatMap(({ spec, folder }) => (folder.digest ? [{ id: spec.id, threshold: spec.threshold, record: folder.digest }] : []))
  const processes = processesOf(placed)
  const timings = new Map<string, RunTiming>()
  for (const { spec, folder } of collected.runs) if (folder.status === 'completed') timings.set(spec.id, runTiming(folder.digest!))
  // Eager first: with compiled variants in the grid, the eager baseline is what everything is compared with.
  const modes = compileModes(grid)
  const referenceMode = modes[0]
  const isBaseline = (spec: { threshold: number | null; method: unknown }) => spec.threshold === null && spec.method === null
  // Looked up once per run: a search over every run each time made a large sweep's report quadratic.
  const baselineKey = (promptIndex: number, seed: number, compile: CompileMode) => `${promptIndex}\u0000${seed}\u0000${compile}`
  const completedBaselines = new Map<string, Collected['runs'][number]>()
  for (const r of collected.runs) {
    const key = baselineKey(r.spec.promptIndex, r.spec.seed, r.spec.compile)
    if (isBaseline(r.spec) && r.folder.status === 'completed' && !completedBaselines.has(key)) completedBaselines.set(key, r)
  }
  const baselineOf = (promptIndex: number, seed: number, compile: CompileMode) => completedBaselines.get(baselineKey(promptIndex, seed, compile))
  const baselines = new Map(collected.runs.filter((r) => isBaseline(r.spec) && r.spec.compile === referenceMode && timings.has(r.spec.id)).map((r) => [r.spec.id, timings.get(r.spec.id)!.latency]))

  const runs: RunRow[] = collected.runs.map(({ spec, folder }) => {
    const record = folder.status === 'completed' ? folder.digest : null
    const timing = timings.get(spec.id) ?? null
    const reference = isBaseline(spec) && spec.compile === referenceMode
    const base = baselineOf(spec.promptIndex, spec.seed, referenceMode)
    const baseTiming = base ? timings.get(base.spec.id)! : null
    const pair = record && base ? pairedSpeedup(record, base.folder.digest!) : null
    const speedup = pair?.speedup ?? null
    // The schedule bounds a run against the baseline with the same blocks; compiled blocks are
    // faster per step, so those bounds are carried over to the reference baseline by their ratio.
    // Methods run on eager blocks: their counts bound them against the eager baseline directly.
    const own = isBaseline(spec) ? undefined : baselineOf(spec.promptIndex, spec.seed, spec.compile)
    const ownPair = record && own ? (own === base ? pair : pairedSpeedup(record, own.folder.digest!)) : null
    const factor = own && base && own !== base ? (pairedSpeedup(own.folder.digest!, base.folder.digest!)?.speedup ?? Number.NaN) : 1
    const split = ownPair ? { denoise: ownPair.baseline.denoise, decode: ownPair.baseline.decode, steps: own!.folder.digest!.schedule.length } : null
    const work = record && own ? workOf(record.compute, own.folder.digest!.compute) : null
    const ideal = !record || !split || !baseTiming
      ? null
      : spec.method
        ? work && idealFromWork(work, { ...ownPair!.baseline })
        : scaled(idealSpeedup(record.schedule.length, record.computed_steps, split), factor)
    // Only TeaCache runs are known to do nothing but skip steps; a method's overhead is unknown.
    const lower = record && split && !spec.method && spec.threshold !== null
      ? scaled(lowerSpeedup(record.schedule.length, record.computed_steps, split, record.skippedStep), factor)
      : null
    const timed = (id: string, r: RunDigest, t: RunTiming): TimedRun => ({ id, record: r, latency: t.latency })
    const suspect = record && base && pair && !reference
      ? suspicionFor(timed(spec.id, record, timing!), timed(base.spec.id, base.folder.digest!, baseTiming!), pair.speedup, { ideal, lower, paired: pair.session !== null }, { processes, baselines })
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
      steps: record ? record.schedule.length : null,
      computed: record ? record.computed_steps : null,
      schedule: record ? record.schedule : null,
      stepWork: record ? record.stepWork : null,
      work,
      idle: record && own ? avoidedNothing(record, own.folder.digest!) : null,
      n: timing?.n ?? null,
      denoise: timing?.denoise ?? null,
      decode: timing?.decode ?? null,
      latency: timing?.latency ?? null,
      spread: timing ? { min: timing.min, max: timing.max } : null,
      speedup,
      interval: pair?.interval ?? null,
      ratios: pair?.ratios ?? [],
      session: pair?.session?.id ?? null,
      ideal,
      lower,
      suspect,
      memory: record?.memory?.device_peak_bytes ?? null,
      psnr: measuredQuality?.psnr ?? null,
      ssim: measuredQuality?.ssim ?? null,
      flicker: measuredQuality?.flicker ?? null,
      note: noteFor(folder.status, folder.digest, folder.problem, q),
    }
  })

  const columns = modes.flatMap((compile) => [
    ...[null, ...grid.thresholds].map((threshold) => summarize(threshold, compile, null, runs.filter((r) => r.threshold === threshold && r.compile === compile && r.method === null))),
    ...(compile === 'none' ? (grid.methods ?? []).map((v) => summarize(null, compile, methodColumn(v), runs.filter((r) => r.method?.id === v.id))) : []),
  ])
  const counts = { total: runs.length, completed: 0, failed: 0, interrupted: 0, missing: 0, incomplete: 0, unreadable: 0, excluded: 0 }
  for (const r of runs) counts[r.status]++
  // Run ids are "<group>/<column>": each group's runs, in grid order, gathered in one pass.
  const placedByGroup = new Map<string, Array<PlacedRun<RunDigest>>>()
  for (const p of placed) {
    const slash = p.id.indexOf('/')
    if (slash < 0) continue
    const id = p.id.slice(0, slash)
    const list = placedByGroup.get(id)
    if (list) list.push(p)
    else placedByGroup.set(id, [p])
  }
  const groups = grid.prompts.flatMap((_, promptIndex) => grid.seeds.map((seed) => {
    const id = groupId(promptIndex, seed)
    const mine = placedByGroup.get(id) ?? []
    return { id, promptIndex, seed, placement: placementOf(mine), sessions: sessionsOf(mine.filter((p) => p.record.status === 'completed')) }
  }))
  const setup = buildSetup(placed.map((p) => p.record))
  const reference = setup
    ? referenceFor({ ...setup, num_layers: setup.layers, num_attention_heads: setup.heads })
    : null
  return { setup, prompts: grid.prompts, seeds: grid.seeds, thresholds: grid.thresholds, counts, groups, processes, columns, runs, reference, lpips, growth: collected.manifest.history ?? [] }
}

const scaled = (ideal: number | null, factor: number) => (ideal === null || !Number.isFinite(factor) ? null : ideal * factor)

function noteFor(status: FolderStatus, record: RunDigest | null, problem: string | undefined, q: QualityResult | undefined): string | null {
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
    case 'excluded':
      return `excluded, no result of this sweep: ${problem ?? 'made with other settings'}`
    default:
      return q && 'error' in q ? `quality not measured: ${q.error}` : null
  }
}
