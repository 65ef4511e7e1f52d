import { readProblem, readRegularFile, readRegularFileSync } from '../util/fs.ts'
import type { RunRecord } from '../run/record.ts'
import { diffSettings, fingerprint, runSettings } from './settings.ts'
import { firstIssue, runRecordSchema } from './schema.ts'

/**
 * The single definition of "this run.json is evidence": for a plan, a record that is whole and
 * possible (./schema.ts); for a sweep's cell (resume, report, growth), one that was also made with
 * the settings the sweep runs that cell with. Everything that reads a record back asks here, so a
 * record cannot count in one place and be refused in another.
 */
export type Settings = Record<string, unknown>

export type Evidence =
  | { ok: true; record: RunRecord }
  | {
      ok: false
      /**
       * absent: no file; unreadable: cannot be read, or not JSON; invalid: not a whole, possible
       * record (reason names the field); excluded: a sound record made with other settings.
       */
      status: 'absent' | 'unreadable' | 'invalid' | 'excluded'
      reason: string
    }

/**
 * Why `record` was made with other settings than `expected` (a cell's run settings); null when it
 * was not. `expectedFingerprint`, where the caller has it, saves hashing them again.
 */
export function otherSettings(record: RunRecord, expected: Settings, expectedFingerprint = fingerprint(expected)): string | null {
  const own = runSettings(record.config)
  if (fingerprint(own) === expectedFingerprint) return null
  const lines = diffSettings(own, expected)
  const shown = lines.slice(0, 3).join('; ') + (lines.length > 3 ? `; and ${lines.length - 3} more` : '')
  return `made with other settings (this run -> the sweep): ${shown || 'settings fingerprint differs'}`
}

/** A run.json's parsed JSON judged; `expected` (a cell's run settings) or null where any settings do. */
export function judgeRecord(value: unknown, expected: Settings | null, expectedFingerprint?: string): Evidence {
  const parsed = runRecordSchema.safeParse(value)
  // The schema checks the fields readers use; the record type names the rest. The record is the
  // value as read (see ./schema.ts), every key kept.
  if (!parsed.success) return { ok: false, status: 'invalid', reason: firstIssue(parsed.error) }
  const record = value as RunRecord
  const other = expected ? otherSettings(record, expected, expectedFingerprint) : null
  return other ? { ok: false, status: 'excluded', reason: other } : { ok: true, record }
}

/** The run.json at `file`, read and judged. */
export async function readEvidence(file: string, expected: Settings | null): Promise<Evidence> {
  // Never a blocking open: a FIFO in place of run.json would hang a report or a plan forever.
  const read = await readRegularFile(file).then((text) => ({ text }), (error: unknown) => ({ error }))
  return judgeRead(read, expected)
}

/** readEvidence on this thread: for reading a whole sweep's records (src/report/reads.ts). */
export function readEvidenceSync(file: string, expected: Settings | null, expectedFingerprint?: string): Evidence {
  let read: Read
  try {
    read = { text: readRegularFileSync(file) }
  } catch (error) {
    read = { error }
  }
  return judgeRead(read, expected, expectedFingerprint)
}

type Read = { text: string } | { error: unknown }

function judgeRead(read: Read, expected: Settings | null, expectedFingerprint?: string): Evidence {
  if ('error' in read) {
    const code = (read.error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return { ok: false, status: 'absent', reason: 'does not exist' }
    return { ok: false, status: 'unreadable', reason: `cannot be read (${readProblem(read.error)})` }
  }
  let value: unknown
  try {
    value = JSON.parse(read.text)
  } catch (error) {
    return { ok: false, status: 'unreadable', reason: `not JSON (${(error as Error).message})` }
  }
  return judgeRecord(value, expected, expectedFingerprint)
}
