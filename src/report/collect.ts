import { join } from 'node:path'
import { TeacacheError } from '../errors.ts'
import type { Settings } from '../records/evidence.ts'
import { fingerprint } from '../records/settings.ts'
import { RUN_RECORD } from '../run/safe-force.ts'
import { cellSettings } from '../sweep/expected.ts'
import { runFolderOf } from '../sweep/folder.ts'
import { buildRuns, type RunSpec } from '../sweep/grid.ts'
import { MANIFEST, readManifestFile, type SweepManifest } from '../sweep/manifest.ts'
import { readRunFolderSync, type FolderStatus } from '../sweep/state.ts'
import { digestOf, type RunDigest } from './digest.ts'
import { fileIdentity, RecordIndex } from './record-index.ts'

/**
 * Everything a report is made from: the manifest and whatever run folders exist. Shards and
 * workers write into one folder, so reading it merges them; runs not yet made show as missing.
 */
export interface CollectedRun {
  spec: RunSpec
  dir: string
  folder: CollectedFolder
}

/** A run folder as the report reads it (src/sweep/state.ts judges it), with the record's digest in place of the record. */
export interface CollectedFolder {
  status: FolderStatus
  digest: RunDigest | null
  problem?: string
}

export interface Collected {
  dir: string
  manifest: SweepManifest
  runs: CollectedRun[]
  /** The digests this read used and made; save() keeps them for the next report. */
  index: RecordIndex
}

/**
 * Records are read one after another, a batch at a time: tens of thousands of reads in flight at
 * once cost more in promises and buffers than the reads themselves (bench/report-scale.ts).
 */
const BATCH = 500

export async function collectSweep(dir: string): Promise<Collected> {
  const read = await readManifestFile(dir)
  if (!read) throw new TeacacheError('INPUT', `${dir}: not a sweep folder (no ${MANIFEST}); give the folder that \`teacache sweep\` wrote`)
  const { manifest } = read
  const index = RecordIndex.load(dir, read.text)
  // The manifest is validated (src/sweep/records.ts), and every folder is checked to be inside this one.
  const specs = buildRuns(manifest.grid)
  const runs: CollectedRun[] = []
  for (let start = 0; start < specs.length; start += BATCH) {
    for (const spec of specs.slice(start, start + BATCH)) {
      const runDir = runFolderOf(dir, spec.id)
      runs.push({ spec, dir: runDir, folder: readFolder(index, manifest, spec, runDir) })
    }
    // Between batches the event loop turns: a sweep's progress and its signal handlers wait at most one batch.
    await new Promise((next) => setImmediate(next))
  }
  return { dir, manifest, runs, index }
}

/**
 * A record counts only when it was made with the settings this sweep runs its cell with (as a
 * resume judges it): one left from a sweep with other settings is excluded, never a result. The
 * index answers for a record already judged under this manifest, unchanged since.
 */
function readFolder(index: RecordIndex, manifest: SweepManifest, spec: RunSpec, runDir: string): CollectedFolder {
  // The identity is taken before the read: a record replaced in between is read again next time.
  const file = fileIdentity(join(runDir, RUN_RECORD))
  // The cell's settings and their fingerprint are worked out only where the index cannot answer without them, and once.
  let cell: Settings | undefined
  let cellFingerprint: string | undefined
  const expected = () => (cell ??= cellSettings(manifest, spec))
  const expectedFingerprint = () => (cellFingerprint ??= fingerprint(expected()))
  const known = file === null ? null : index.run(spec.id, file, expectedFingerprint)
  if (known) return { status: known.status, digest: known }
  const folder = readRunFolderSync(runDir, expected())
  const digest = folder.record ? digestOf(folder.record) : null
  // A record that counts was made with exactly the cell's settings: its fingerprint is theirs.
  if (digest && file !== null) index.putRun(spec.id, file, expectedFingerprint(), digest)
  return { status: folder.status, digest, ...(folder.problem === undefined ? {} : { problem: folder.problem }) }
}
