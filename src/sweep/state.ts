import { existsSync, promises as fs } from 'node:fs'
import { join } from 'node:path'
import { readEvidence, readEvidenceSync, type Evidence, type Settings } from '../records/evidence.ts'
import type { RunRecord } from '../run/record.ts'
import { RUN_RECORD } from '../run/safe-force.ts'

/**
 * What a run folder of a sweep holds. "incomplete" is a folder without run.json: the process
 * died hard (SIGKILL, power) before it could record anything. "excluded" is a sound record made
 * with other settings than the sweep's for that cell (a sweep redone with --force over an older
 * one, say): it is no evidence for this sweep, so it is redone on resume and never reported as a result.
 */
export type FolderStatus = 'completed' | 'failed' | 'interrupted' | 'missing' | 'incomplete' | 'unreadable' | 'excluded'

export interface RunFolder {
  status: FolderStatus
  /** The record, for the statuses a record of this cell's settings gives (completed, failed, interrupted). */
  record: RunRecord | null
  /** Why run.json could not be used, for "unreadable" and "excluded". */
  problem?: string
}

/** The folder of one cell, its run.json judged against `expected`: the cell's run settings (see src/records). */
export async function readRunFolder(dir: string, expected: Settings): Promise<RunFolder> {
  return judged(await readEvidence(join(dir, RUN_RECORD), expected)) ?? absent(await fs.stat(dir).then(() => true, () => false))
}

/** readRunFolder on this thread, for reading every cell of a large sweep (src/report/reads.ts); `expectedFingerprint` is fingerprint(expected). */
export function readRunFolderSync(dir: string, expected: Settings, expectedFingerprint?: string): RunFolder {
  return judged(readEvidenceSync(join(dir, RUN_RECORD), expected, expectedFingerprint)) ?? absent(existsSync(dir))
}

/** null: there is no run.json, and whether the folder exists says why. */
function judged(evidence: Evidence): RunFolder | null {
  if (evidence.ok) return { status: evidence.record.status, record: evidence.record }
  switch (evidence.status) {
    case 'absent':
      return null
    case 'excluded':
      return { status: 'excluded', record: null, problem: evidence.reason }
    default:
      return { status: 'unreadable', record: null, problem: evidence.reason }
  }
}

const absent = (folderExists: boolean): RunFolder => ({ status: folderExists ? 'incomplete' : 'missing', record: null })

export type Plan = { action: 'skip' } | { action: 'run'; reason: string }

/** Skip a run only when it completed with exactly the settings it would run with now (readRunFolder checked them). */
export function planRun(folder: RunFolder, force: boolean): Plan {
  if (force) return { action: 'run', reason: folder.status === 'missing' ? 'new' : 'forced' }
  switch (folder.status) {
    case 'missing':
      return { action: 'run', reason: 'new' }
    case 'completed':
      return { action: 'skip' }
    case 'excluded':
      return { action: 'run', reason: 'settings changed' }
    case 'unreadable':
      return { action: 'run', reason: `run.json unreadable (${folder.problem})` }
    default:
      return { action: 'run', reason: `previously ${folder.status}` }
  }
}

/**
 * Found under the run folder's lock just before redoing it: another process of the same sweep
 * completed it with these settings (readRunFolder checked them) after `since` (this command's
 * start; null: at any time, for a sweep without --force). Such a run is kept, not redone.
 */
export function completedMeanwhile(folder: RunFolder, since: Date | null): boolean {
  if (folder.status !== 'completed' || !folder.record) return false
  return since === null || Date.parse(folder.record.finished_at) >= since.getTime()
}
