import { join } from 'node:path'
import { z } from 'zod'
import { fromStored, storedProblem, storedSchema, toStored } from '../quality/stored.ts'
import { psnrFromMse } from '../quality/psnr.ts'
import type { FrameSeries, VideoQuality } from '../quality/video.ts'
import { readRegularFileSync, writeJsonAtomic } from '../util/fs.ts'
import type { RunDigest } from './digest.ts'

/**
 * A run's PSNR/SSIM against its baseline, pooled and per frame, with its temporal consistency,
 * kept beside it in quality.json so that regenerating a report does not decode every frame
 * again. The key names both runs as they were measured: redoing either one (a new finished_at,
 * another frame count or size) or changing how the metrics are computed makes the file stale,
 * and so do numbers out of range or inconsistent with each other (src/quality/stored.ts): it is
 * then measured and written anew.
 */
export const QUALITY_FILE = 'quality.json'
const FORMAT = 'teacache-quality/2'
/** Bump when a change to src/quality/ would change a stored number. */
export const METRICS_VERSION = 'psnr-pooled-rgb+ssim-luma-bt601-gauss11-1.5+motion-rgb-mad/2'

const runKeySchema = z.object({
  id: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  frames: z.number().nullable(),
  width: z.number().nullable(),
  height: z.number().nullable(),
})
const keySchema = z.object({ metrics: z.string(), baseline: runKeySchema, run: runKeySchema })
export type QualityKey = z.infer<typeof keySchema>

/** A run of a collected sweep (./collect.ts), as far as its key reads it. */
type KeyedRun = { spec: { id: string }; folder: { digest: RunDigest | null } }

function runKey(run: KeyedRun): z.infer<typeof runKeySchema> {
  const record = run.folder.digest
  return {
    id: run.spec.id,
    started_at: record?.started_at ?? null,
    finished_at: record?.finished_at ?? null,
    frames: record?.output.frames ?? null,
    width: record?.output.width ?? null,
    height: record?.output.height ?? null,
  }
}

export function qualityKey(baseline: KeyedRun, run: KeyedRun): QualityKey {
  return { metrics: METRICS_VERSION, baseline: runKey(baseline), run: runKey(run) }
}


const fileSchema = storedSchema.extend({
  format: z.literal(FORMAT),
  key: keySchema,
})

const RUN_FIELDS = runKeySchema.keyof().options
/** A key as one text, its fields in a fixed order: two keys are the same exactly when their texts are. */
export const keyText = (key: QualityKey) => JSON.stringify([key.metrics, ...[key.baseline, key.run].map((k) => RUN_FIELDS.map((field) => k[field]))])

/** The stored metrics when the file is there, readable, made for exactly this key and believable; else null. */
export function readCachedQuality(runDir: string, key: QualityKey): VideoQuality | null {
  let parsed: z.infer<typeof fileSchema>
  try {
    // On this thread (a report reads them in batches, src/report/generate.ts), and never a blocking open.
    parsed = fileSchema.parse(JSON.parse(readRegularFileSync(join(runDir, QUALITY_FILE))))
  } catch {
    // Missing, half-copied or hand-edited: the metrics are measured again and the file rewritten.
    return null
  }
  if (keyText(parsed.key) !== keyText(key)) return null
  // Both runs' frame counts are in the key: the metrics must cover exactly those frames.
  if (key.baseline.frames !== key.run.frames || storedProblem(parsed, key.run.frames) !== null) return null
  return fromStored(parsed)
}

export async function writeCachedQuality(runDir: string, key: QualityKey, quality: VideoQuality): Promise<void> {
  const file = { format: FORMAT, baseline: key.baseline.id, key, ...toStored(quality) }
  await writeJsonAtomic(join(runDir, QUALITY_FILE), file)
}

/**
 * A run's metrics as a report uses them: pooled, the worst frame's PSNR (tune's gate), and the
 * per-frame series where the report read or measured them (REPORT.html embeds a few groups').
 */
export interface QualitySummary extends Omit<VideoQuality, 'perFrame'> {
  worstPsnr: number
  perFrame?: FrameSeries
}

/** What a report's index keeps of a quality.json (./record-index.ts): PSNRs follow from the MSEs, which JSON keeps exactly. */
export interface QualityDigest {
  frames: number
  mse: number
  ssim: number
  flicker: number | null
  worstMse: number
}

export function qualityDigest(q: VideoQuality): QualityDigest {
  return { frames: q.frames, mse: q.mse, ssim: q.ssim, flicker: q.flicker, worstMse: Math.max(...q.perFrame.mse) }
}

export function summaryOf(d: QualityDigest, perFrame?: FrameSeries): QualitySummary {
  const summary: QualitySummary = { frames: d.frames, psnr: psnrFromMse(d.mse), mse: d.mse, ssim: d.ssim, flicker: d.flicker, worstPsnr: psnrFromMse(d.worstMse) }
  return perFrame ? { ...summary, perFrame } : summary
}
