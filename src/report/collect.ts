import { TeacacheError } from '../errors.ts'
import { cellSettings } from '../sweep/expected.ts'
import { runFolderOf } from '../sweep/folder.ts'
import { buildRuns, type RunSpec } from '../sweep/grid.ts'
import { MANIFEST, readManifest, type SweepManifest } from '../sweep/manifest.ts'
import { readRunFolderSync, type RunFolder } from '../sweep/state.ts'

/**
 * Everything a report is made from: the manifest and whatever run folders exist. Shards and
 * workers write into one folder, so reading it merges them; runs not yet made show as missing.
 */
export interface CollectedRun {
  spec: RunSpec
  dir: string
  folder: RunFolder
}

export interface Collected {
  dir: string
  manifest: SweepManifest
  runs: CollectedRun[]
}

/**
 * Records are read one after another, a batch at a time: tens of thousands of reads in flight at
 * once cost more in promises and buffers than the reads themselves (bench/report-scale.ts).
 */
const BATCH = 500

export async function collectSweep(dir: string): Promise<Collected> {
  const manifest = await readManifest(dir)
  if (!manifest) throw new TeacacheError('INPUT', `${dir}: not a sweep folder (no ${MANIFEST}); give the folder that \`teacache sweep\` wrote`)
  // The manifest is validated (src/sweep/records.ts), and every folder is checked to be inside this one.
  const specs = buildRuns(manifest.grid)
  // A record counts only when it was made with the settings this sweep runs its cell with (as a
  // resume judges it): one left from a sweep with other settings is excluded, never a result.
  const runs: CollectedRun[] = []
  for (let start = 0; start < specs.length; start += BATCH) {
    for (const spec of specs.slice(start, start + BATCH)) {
      const runDir = runFolderOf(dir, spec.id)
      runs.push({ spec, dir: runDir, folder: readRunFolderSync(runDir, cellSettings(manifest, spec)) })
    }
    // Between batches the event loop turns: a sweep's progress and its signal handlers wait at most one batch.
    await new Promise((next) => setImmediate(next))
  }
  return { dir, manifest, runs }
}
