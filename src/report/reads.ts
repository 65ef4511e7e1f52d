import { join } from 'node:path'
import type { FrameSeries } from '../quality/video.ts'
import { fingerprint } from '../records/settings.ts'
import { RUN_RECORD } from '../run/safe-force.ts'
import { cellSettings } from '../sweep/expected.ts'
import type { RunSpec } from '../sweep/grid.ts'
import type { SweepManifest } from '../sweep/manifest.ts'
import { readRunFolderSync, type FolderStatus } from '../sweep/state.ts'
import { digestOf, type RunDigest } from './digest.ts'
import { qualityDigest, QUALITY_FILE, readCachedQuality, type QualityDigest, type QualityKey } from './quality-cache.ts'
import { fileIdentity, type FileIdentity } from './record-index.ts'

/**
 * The two reads a report makes where its index cannot answer: a cell's run.json and a run's
 * quality.json, each read whole and boiled down to the digest the report keeps. They take and
 * give plain data only, so they run alike on the report's thread and on read threads
 * (./read-threads.ts), which is what lets a large sweep's first report parse on every core.
 */

/** A run folder as the report reads it (src/sweep/state.ts judges it), with the record's digest in place of the record. */
export interface CollectedFolder {
  status: FolderStatus
  digest: RunDigest | null
  problem?: string
}

export interface RunRead {
  /** The record's identity, taken before the read: a record replaced in between is read again next time. */
  file: FileIdentity | null
  folder: CollectedFolder
  /** The fingerprint of the cell's settings: a record that counts was made with exactly these. */
  settings: string
}

export function readRun(manifest: SweepManifest, spec: RunSpec, runDir: string): RunRead {
  const file = fileIdentity(join(runDir, RUN_RECORD))
  const expected = cellSettings(manifest, spec)
  const settings = fingerprint(expected)
  const folder = readRunFolderSync(runDir, expected, settings)
  return { file, folder: { status: folder.status, digest: folder.record ? digestOf(folder.record) : null, ...(folder.problem === undefined ? {} : { problem: folder.problem }) }, settings }
}

export interface QualityRead {
  file: FileIdentity | null
  /** null when there is no quality.json made for exactly this key (it is measured again). */
  digest: QualityDigest | null
  /** The per-frame series, where it was asked for. */
  perFrame?: FrameSeries
}

export function readQuality(runDir: string, key: QualityKey, series: boolean): QualityRead {
  const file = fileIdentity(join(runDir, QUALITY_FILE))
  const found = readCachedQuality(runDir, key)
  if (!found) return { file, digest: null }
  return series ? { file, digest: qualityDigest(found), perFrame: found.perFrame } : { file, digest: qualityDigest(found) }
}
