import type { RunRecord, TimingSession } from '../run/record.ts'
import { describeStop } from '../run/repeats.ts'
import { groupTitle } from './format.ts'

/**
 * Which process timed which runs of a group, in how many rounds, and what stopped them: a speedup
 * pairs timings of one session, so the reader can see where every figure came from. A grown
 * sweep's group has two sessions, the second timing its baseline again beside the new runs.
 */
export interface GroupSession extends TimingSession {
  /** Runs of the group with timings from this session. */
  runs: string[]
  /** Of those, the completed runs that an earlier session made and this one timed again. */
  retimed: string[]
}

export function sessionsOf(runs: ReadonlyArray<{ id: string; record: Pick<RunRecord, 'timing'> }>): GroupSession[] {
  const byId = new Map<string, GroupSession>()
  for (const { id, record } of runs) {
    const sessions = record.timing?.sessions ?? []
    sessions.forEach((session, i) => {
      const entry = byId.get(session.id) ?? { ...session, runs: [], retimed: [] }
      // Each record has the session as it stood when that record was last written: keep the latest word.
      if (session.rounds >= entry.rounds) Object.assign(entry, { rounds: session.rounds, stop: session.stop })
      entry.runs.push(id.split('/').at(-1)!)
      if (i > 0) entry.retimed.push(id.split('/').at(-1)!)
      byId.set(session.id, entry)
    })
  }
  return [...byId.values()].sort((a, b) => a.started_at.localeCompare(b.started_at))
}

export function sessionsSection(groups: ReadonlyArray<{ promptIndex: number; seed: number; sessions: GroupSession[] }>): string[] {
  const timed = groups.filter((g) => g.sessions.length > 0)
  if (timed.length === 0) return []
  const lines = [
    '## Timing sessions', '',
    'Each prompt x seed group is timed in rounds by one process (a session): every round times the baseline and each variant once, in grid order, and a speedup pairs rounds of one session. ' +
      'A group that grew was timed by a second session, which timed its baseline again beside the new runs (the baseline\'s frames are the first session\'s).', '',
  ]
  for (const g of timed) {
    const parts = g.sessions.map((s) => {
      const runs = s.runs.map((r) => (s.retimed.includes(r) ? `${r} (timed again)` : r)).join(', ')
      const setting = s.setting === 'auto' ? 'auto' : `--repeats ${s.setting}`
      return `session \`${s.id}\` (pid ${s.pid} on \`${s.host}\`, ${s.started_at.slice(0, 19).replace('T', ' ')} UTC, ${setting}): ${runs}; ${s.rounds} round${s.rounds === 1 ? '' : 's'}, stopped by ${describeStop(s.stop)}`
    })
    lines.push(`- ${groupTitle(g.promptIndex, g.seed)}: ${parts.join('; then ')}`)
  }
  return [...lines, '']
}
