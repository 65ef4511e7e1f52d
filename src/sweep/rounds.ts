import { hostname } from 'node:os'
import { randomBytes } from 'node:crypto'
import type { RepeatTiming, RunRecord, TimingSession } from '../run/record.ts'
import type { Repeats } from '../run/repeats.ts'
import { medianInterval, type MedianInterval } from '../stats/interval.ts'
import { groupId, type RunSpec } from './grid.ts'

/**
 * The bookkeeping of a group's timing rounds (pure but for the session's identity): which cells
 * a round times, the intervals that decide whether `auto` times another, and the run.json of a
 * completed cell that a later session times again.
 */

/**
 * One process timing one group: its timings carry the session's id, so the report pairs a round's
 * baseline and variant from one process, and a later process (a grown or resumed sweep) never mixes in.
 */
export function newSession(setting: Repeats, now = new Date()): TimingSession {
  return { id: randomBytes(4).toString('hex'), host: hostname(), pid: process.pid, started_at: now.toISOString(), rounds: 0, setting, stop: 'running' }
}

/** Runs of one prompt and seed, in grid order (baseline first), as the sweep's groups are dealt. */
export function groupsOf<T extends { spec: RunSpec }>(runs: readonly T[]): T[][] {
  const groups = new Map<string, T[]>()
  for (const run of runs) {
    const id = groupId(run.spec.promptIndex, run.spec.seed)
    groups.set(id, [...(groups.get(id) ?? []), run])
  }
  return [...groups.values()]
}

/** The baseline every speedup of the group is measured against: eager blocks, no cache. */
export const isReferenceBaseline = (spec: RunSpec) => spec.threshold === null && !spec.method && spec.compile === 'none'
export const isBaseline = (spec: RunSpec) => spec.threshold === null && !spec.method

const latency = (t: RepeatTiming) => t.denoise + t.decode

/**
 * Each variant's paired speedup over the reference baseline so far: the median over rounds of
 * baseline / variant, with its interval. Rounds are matched by number within this session.
 */
export function roundIntervals(baseline: readonly RepeatTiming[], variants: ReadonlyArray<readonly RepeatTiming[]>): Array<MedianInterval | null> {
  const byRound = new Map(baseline.map((t) => [t.round, latency(t)]))
  return variants.map((timings) => medianInterval(timings.flatMap((t) => (byRound.has(t.round) ? [byRound.get(t.round)! / latency(t)] : []))))
}

/**
 * A completed run.json with another session's rounds added. Its frames, schedule and settings are
 * the first generation's and stay; a record from before repeats gets its one generation as a repeat.
 */
export function withRounds(record: RunRecord, timings: readonly RepeatTiming[], session: TimingSession): RunRecord {
  const earlier = record.repeats?.length ? record.repeats : [{ denoise: record.timings_s.denoise, decode: record.timings_s.decode }]
  const mine = (t: RepeatTiming) => t.session === session.id
  const sessions = (record.timing?.sessions ?? []).filter((s) => s.id !== session.id)
  return {
    ...record,
    repeats: [...earlier.filter((t) => !mine(t)), ...timings],
    timing: { sessions: [...sessions, { ...session }] },
  }
}
