import { join } from 'node:path'
import { isTeacacheError } from '../errors.ts'
import { finishRun, timeRound, type Generation, type RunContext } from '../run/execute.ts'
import { lockRunDir, type ClaimedRunDir } from '../run/output.ts'
import type { RunRecord, TimingSession } from '../run/record.ts'
import { nextRound, type Repeats, type RoundStop } from '../run/repeats.ts'
import type { Shutdown } from '../run/signals.ts'
import { writeJsonAtomic } from '../util/fs.ts'
import type { SweepProgress } from './progress.ts'
import { isReferenceBaseline, roundIntervals, withRounds } from './rounds.ts'
import type { PlannedRun } from './planned.ts'

/**
 * The cells of a group that one session times in rounds, after round 1: a run made now, or a
 * completed baseline timed again beside new runs (its frames and first generation stay).
 */
export interface Cell {
  p: PlannedRun
  ctx: RunContext
  claimed: ClaimedRunDir
  /** The completed record being timed again (null: a run made now). */
  retimed: RunRecord | null
  reference: Generation | null
}

export interface RoundDeps {
  setting: Repeats
  shutdown: Shutdown
  progress: SweepProgress
  describe(p: PlannedRun): string
  /** What stops the whole sweep (a dead Python, a full disk). */
  fatal(error: unknown): void
}

/** A completed baseline timed again in this session (round 1), under its folder's lock; its record gains the round. */
export async function retimeBaseline(p: PlannedRun, session: TimingSession, ctx: RunContext, progress: SweepProgress): Promise<Cell> {
  if (!p.record) throw new Error(`${p.spec.id}: no record to time again`)
  const claimed = await lockRunDir(p.dir)
  try {
    ctx.session = session
    progress.phase('Time the baseline again (round 1), beside the new runs of its group', { run: null, sweep: null })
    await ctx.loaded.engine.encodePrompt(p.config.prompt, p.config.negative_prompt ?? null, p.config.guidance_scale)
    const reference = await timeRound(ctx, 1, (step) => progress.tick(step), null)
    const cell = { p, ctx, claimed, retimed: p.record, reference }
    await writeRetimed(cell, session)
    return cell
  } catch (error) {
    await claimed.release()
    throw error
  }
}

export const writeRetimed = (cell: Cell & { retimed: RunRecord }, session: TimingSession) =>
  writeJsonAtomic(join(cell.p.dir, 'run.json'), withRounds(cell.retimed, cell.ctx.repeats, session))

/** A cell's run.json with the rounds so far. */
export const recordCell = (cell: Cell, session: TimingSession) => (cell.retimed ? writeRetimed({ ...cell, retimed: cell.retimed }, session) : finishRun(cell.ctx, 'completed'))

/** Rounds 2 and later of a group, every cell in grid order, until the setting says stop. */
export async function laterRounds(
  cells: Cell[],
  session: TimingSession,
  deps: RoundDeps,
  group: { started: number; slowestGeneration: number; group: string },
): Promise<{ stop: RoundStop; failed: Array<{ cell: Cell; error: unknown }> }> {
  const { shutdown, progress } = deps
  const failed: Array<{ cell: Cell; error: unknown }> = []
  let live = cells
  let lastRound = (performance.now() - group.started) / 1000
  for (let round = 2; ; round++) {
    const baseline = live.find((c) => isReferenceBaseline(c.p.spec))
    const variants = live.filter((c) => !isReferenceBaseline(c.p.spec))
    const intervals = baseline ? roundIntervals(baseline.ctx.repeats, variants.map((c) => c.ctx.repeats)) : []
    const elapsed = (performance.now() - group.started) / 1000
    const next = nextRound(deps.setting, { rounds: round - 1, elapsed, lastRound, slowestGeneration: group.slowestGeneration, intervals })
    if (!next.go) return { stop: next.stop, failed }
    const roundStart = performance.now()
    for (const cell of live) {
      if (shutdown.signal) return { stop: 'interrupted', failed }
      progress.round(group.group, round, deps.describe(cell.p))
      try {
        await timeRound(cell.ctx, round, (step) => progress.tick(step), cell.reference)
      } catch (error) {
        if (shutdown.signal) return { stop: 'interrupted', failed }
        if (isTeacacheError(error, 'PYTHON_DIED') || isTeacacheError(error, 'DISK')) {
          deps.fatal(error)
          return { stop: 'failed', failed }
        }
        failed.push({ cell, error })
      }
    }
    live = live.filter((c) => !failed.some((f) => f.cell === c))
    session.rounds = round
    for (const cell of live) await recordCell(cell, session)
    lastRound = (performance.now() - roundStart) / 1000
  }
}
