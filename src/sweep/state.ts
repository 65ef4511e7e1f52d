import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import type { RunRecord } from '../run/record.ts'
import { validateRunRecord } from './records.ts'
import { fingerprint, runSettings } from './settings.ts'

/**
 * What a run folder of a sweep holds. "incomplete" is a folder without run.json: the process
 * died hard (SIGKILL, power) before it could record anything.
 */
export type FolderStatus = 'completed' | 'failed' | 'interrupted' | 'missing' | 'incomplete' | 'unreadable'

export interface RunFolder {
  status: FolderStatus
  record: RunRecord | null
  /** Why run.json could not be used, for "unreadable". */
  problem?: string
}

export async function readRunFolder(dir: string): Promise<RunFolder> {
  let text: string
  try {
    text = await fs.readFile(join(dir, 'run.json'), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return { status: 'unreadable', record: null, problem: (error as Error).message }
    const folder = await fs.stat(dir).then(() => true, () => false)
    return { status: folder ? 'incomplete' : 'missing', record: null }
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    return { status: 'unreadable', record: null, problem: `not JSON (${(error as Error).message})` }
  }
  const valid = validateRunRecord(value)
  return valid.ok ? { status: valid.record.status, record: valid.record } : { status: 'unreadable', record: null, problem: valid.problem }
}

export type Plan = { action: 'skip' } | { action: 'run'; reason: string }

/** Skip a run only when it completed with exactly the settings it would run with now. */
export function planRun(folder: RunFolder, expectedFingerprint: string, force: boolean): Plan {
  if (force) return { action: 'run', reason: folder.status === 'missing' ? 'new' : 'forced' }
  switch (folder.status) {
    case 'missing':
      return { action: 'run', reason: 'new' }
    case 'completed':
      return fingerprint(runSettings(folder.record!.config)) === expectedFingerprint ? { action: 'skip' } : { action: 'run', reason: 'settings changed' }
    case 'unreadable':
      return { action: 'run', reason: `run.json unreadable (${folder.problem})` }
    default:
      return { action: 'run', reason: `previously ${folder.status}` }
  }
}

/**
 * Found under the run folder's lock just before redoing it: another process of the same sweep
 * completed it with these settings after `since` (this command's start; null: at any time, for
 * a sweep without --force). Such a run is kept, not redone.
 */
export function completedMeanwhile(folder: RunFolder, expectedFingerprint: string, since: Date | null): boolean {
  if (folder.status !== 'completed' || !folder.record) return false
  if (fingerprint(runSettings(folder.record.config)) !== expectedFingerprint) return false
  return since === null || Date.parse(folder.record.finished_at) >= since.getTime()
}
