import type { Collected } from '../collect.ts'
import { tileLabel } from '../format.ts'
import { groupTitle } from '../latency.ts'
import { QUALITY_FILE, type QualitySummary } from '../quality-cache.ts'
import type { QualityResult, ReportData, RunRow } from '../summary.ts'
import { randomWeights, randomWeightsNote } from '../weights.ts'

/**
 * What REPORT.html's viewer needs of a sweep, as JSON inside the page (pure). Frames are named
 * by path relative to the sweep folder, so the page works from a zip or a static server; the
 * per-frame series come from quality.json's numbers, rounded to what a plot can show. A large
 * sweep's page would not load with every series inside it: past EMBEDDED_GROUPS prompt x seed
 * groups the page reads a group's series from its runs' quality.json when it is shown.
 */
export const EMBEDDED_GROUPS = 200

export interface PageModel {
  command: string
  /** Why the quality figures mean nothing (random weights); null for a trained model. */
  randomWeights: string | null
  fps: number
  groups: PageGroup[]
}

export interface PageGroup {
  id: string
  title: string
  prompt: string
  runs: PageRun[]
}

export interface PageRun {
  id: string
  label: string
  reference: boolean
  status: string
  note: string | null
  /** Folder of frame_00000.png ... relative to the sweep folder; null when the run left no frames. */
  frames: string | null
  count: number
  width: number
  height: number
  /** Pooled figures; psnr null for identical videos (∞) or not measured: `measured` tells. */
  measured: boolean
  psnr: number | null
  ssim: number | null
  flicker: number | null
  /** One character a step: 1 computed, 0 skipped. */
  schedule: string | null
  series: PageSeries | null
  /** quality.json relative to the sweep folder, for a series not embedded; null when embedded or not measured. */
  quality: string | null
}

/** One entry per frame; psnr null where the frames are identical (∞). */
export interface PageSeries {
  psnr: Array<number | null>
  ssim: number[]
  flicker: Array<number | null>
  /** Present when `report --lpips` computed it. */
  lpips?: number[]
}

const round = (digits: number) => (x: number | null) => (x === null || !Number.isFinite(x) ? null : Number(x.toFixed(digits)))
const db = round(3)
const unit = round(6)

function seriesOf(q: Required<QualitySummary>): PageSeries {
  return { psnr: q.perFrame.psnr.map(db), ssim: q.perFrame.ssim.map((x) => unit(x)!), flicker: q.perFrame.flicker.map(round(4)) }
}

type RunDigestOf = Collected['runs'][number]['folder']['digest']

function pageRun(row: RunRow, record: RunDigestOf | undefined, quality: QualityResult | undefined, lpips: number[] | undefined, embed: boolean): PageRun {
  const output = row.status === 'completed' ? record?.output ?? null : null
  const q = quality && !('error' in quality) ? quality : null
  // A series the report did not read (past the embedded groups) is read by the page when shown.
  const series = embed && q?.perFrame ? { ...q, perFrame: q.perFrame } : null
  return {
    id: row.id,
    label: tileLabel(row),
    reference: row.reference,
    status: row.status,
    note: row.note,
    frames: output?.frames_dir ? `${row.id}/${output.frames_dir}` : null,
    count: output?.frames ?? 0,
    width: output?.width ?? 0,
    height: output?.height ?? 0,
    measured: q !== null,
    psnr: q ? db(q.psnr) : null,
    ssim: q ? unit(q.ssim) : null,
    flicker: q ? round(4)(q.flicker) : null,
    schedule: row.schedule ? row.schedule.map((computed) => (computed ? '1' : '0')).join('') : null,
    series: series ? { ...seriesOf(series), ...(lpips ? { lpips: lpips.map((x) => unit(x)!) } : {}) } : null,
    quality: q && !series ? `${row.id}/${QUALITY_FILE}` : null,
  }
}

export function pageModel(data: ReportData, collected: Collected, quality: ReadonlyMap<string, QualityResult>, command: string, embedded = EMBEDDED_GROUPS): PageModel {
  const records = new Map(collected.runs.map((r) => [r.spec.id, r.folder.digest]))
  const byGroup = new Map<string, RunRow[]>()
  for (const row of data.runs) {
    const rows = byGroup.get(row.group)
    if (rows) rows.push(row)
    else byGroup.set(row.group, [row])
  }
  const model = data.setup?.model ?? null
  return {
    command,
    randomWeights: model !== null && randomWeights(model) ? randomWeightsNote(model) : null,
    fps: data.setup?.fps ?? 8,
    groups: data.groups.map((g, index) => {
      // The reference baseline first: every other tile is compared with it.
      const rows = [...(byGroup.get(g.id) ?? [])].sort((a, b) => Number(b.reference) - Number(a.reference))
      return { id: g.id, title: groupTitle(g.promptIndex, g.seed), prompt: data.prompts[g.promptIndex] ?? '', runs: rows.map((r) => pageRun(r, records.get(r.id), quality.get(r.id), data.lpips.computed ? data.lpips.runs[r.id]?.perFrame : undefined, index < embedded)) }
    }),
  }
}
