import { createRunDir, type ClaimedRunDir } from '../run/output.ts'
import type { Protected } from '../run/safe-force.ts'
import type { PlannedRun } from './runner.ts'
import { runSettings } from '../records/settings.ts'
import { completedMeanwhile, readRunFolder } from './state.ts'

/**
 * How a sweep takes a run folder before writing it: under the folder's lock (a live writer
 * elsewhere is exit 2, not two processes in one folder), keeping a run that another process of
 * the same sweep completed meanwhile, and replacing only teacache's own files otherwise.
 */
export function runClaimer(options: { force: boolean; protect: readonly Protected[]; since?: Date }): (run: PlannedRun) => Promise<ClaimedRunDir> {
  const since = options.since ?? new Date()
  return (run) =>
    createRunDir(run.dir, {
      force: true,
      protect: options.protect,
      keepIf: async (dir) => completedMeanwhile(await readRunFolder(dir, runSettings(run.config)), options.force ? since : null),
    })
}
