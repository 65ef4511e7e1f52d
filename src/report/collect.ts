import { join } from 'node:path'
import { TeacacheError } from '../errors.ts'
import { fingerprint } from '../records/settings.ts'
import { RUN_RECORD } from '../run/safe-force.ts'
import { cellSettings } from '../sweep/expected.ts'
import { runFolderOf } from '../sweep/folder.ts'
import { buildRuns, type RunSpec } from '../sweep/grid.ts'
import { MANIFEST, readManifestFile, type SweepManifest } from '../sweep/manifest.ts'
import { readRuns, type ReadOptions } from './read-threads.ts'
import type { CollectedFolder } from './reads.ts'
import { fileIdentity, RecordIndex } from './record-index.ts'

export type { CollectedFolder } from './reads.ts'

/**
 * Everything a report is made from: the manifest and whatever run folders exist. Shards and
 * workers write into one folder, so reading it merges them; runs not yet made show as missing.
 */
export interface CollectedRun {
  spec: RunSpec
  dir: string
  folder: CollectedFolder
}

export interface Collected {
  dir: string
  manifest: SweepManifest
  runs: CollectedRun[]
  /** The digests this read used and made; save() keeps them for the next report. */
  index: RecordIndex
}

export interface CollectOptions {
  /** Where the index misses, how records are read: on how many threads (./read-threads.ts). */
  reads?: ReadOptions
}

export async function collectSweep(dir: string, options: CollectOptions = {}): Promise<Collected> {
  const read = await readManifestFile(dir)
  if (!read) throw new TeacacheError('INPUT', `${dir}: not a sweep folder (no ${MANIFEST}); give the folder that \`teacache sweep\` wrote`)
  const { manifest } = read
  const index = RecordIndex.load(dir, read.text)
  // The manifest is validated (src/sweep/records.ts), and every folder is checked to be inside this one.
  const specs = buildRuns(manifest.grid)
  const dirs = specs.map((spec) => runFolderOf(dir, spec.id))
  const answered: Array<CollectedFolder | null> = []
  for (let start = 0; start < specs.length; start += BATCH) {
    for (let i = start; i < Math.min(start + BATCH, specs.length); i++) answered.push(known(index, manifest, specs[i], dirs[i]))
    // Between batches the event loop turns: a sweep's progress and its signal handlers wait at most one batch.
    await new Promise((next) => setImmediate(next))
  }
  const reads = await readRuns(manifest, specs.flatMap((spec, i) => (answered[i] ? [] : [{ spec, dir: dirs[i] }])), options.reads)
  let miss = 0
  const runs = specs.map((spec, i): CollectedRun => {
    const folder = answered[i]
    if (folder) return { spec, dir: dirs[i], folder }
    const { file, folder: readFolder, settings } = reads[miss++]
    // A record that counts was made with exactly the cell's settings: its fingerprint is theirs.
    if (readFolder.digest && file !== null) index.putRun(spec.id, file, settings, readFolder.digest)
    return { spec, dir: dirs[i], folder: readFolder }
  })
  return { dir, manifest, runs, index }
}

/** Index lookups between turns of the event loop. */
const BATCH = 500

/**
 * The index's answer for a cell, or null where the record must be read. A record counts only
 * when it was made with the settings this sweep runs its cell with (as a resume judges it): the
 * index answers for a record already judged under this manifest, unchanged since, or one whose
 * settings fingerprint is the cell's.
 */
function known(index: RecordIndex, manifest: SweepManifest, spec: RunSpec, runDir: string): CollectedFolder | null {
  if (!index.has('runs', spec.id)) return null
  const file = fileIdentity(join(runDir, RUN_RECORD))
  const digest = file === null ? null : index.run(spec.id, file, () => fingerprint(cellSettings(manifest, spec)))
  return digest ? { status: digest.status, digest } : null
}
