import { TeacacheError, isTeacacheError } from '../errors.ts'
import { createRunContext, finishRun, firstGeneration, runTasks, type RunContext, type StepProgress } from '../run/execute.ts'
import type { ClaimedRunDir } from '../run/output.ts'
import { runListed, type Display, type ListedTask, type Step } from '../run/progress.ts'
import type { RunRecord, TimingSession } from '../run/record.ts'
import type { Loaded } from '../run/loaded.ts'
import type { Shutdown } from '../run/signals.ts'
import type { WarmupRecord } from '../run/warmup.ts'
import { estimateRemaining, type Measured, type Pending } from './eta.ts'
import { variantTitle } from '../methods/variant.ts'
import { SweepProgress, type Eta } from './progress.ts'
import { describeStop, type Repeats } from '../run/repeats.ts'
import { groupsOf, isBaseline, newSession } from './rounds.ts'
import { laterRounds, recordCell, retimeBaseline, writeRetimed, type Cell, type RoundDeps } from './cells.ts'

export type { Outcome, PlannedRun } from './planned.ts'
import type { Outcome, PlannedRun } from './planned.ts'

export interface SweepRunOptions {
  /** Work shown before the runs (start Python, load the model), in the same list. */
  setup: Step[]
  loaded: () => Loaded
  loadSeconds: () => number
  /** The process's warm-up (null with --no-warmup), charged like the load to its first run. */
  warmup?: () => WarmupRecord | null
  /** Timing rounds per prompt x seed group (sweep --repeats; src/run/repeats.ts). */
  repeats?: Repeats
  shutdown: Shutdown
  quiet?: boolean
  /** Where progress goes (default stdout and stderr). */
  display?: Display
  /** Create (or take over) a run's folder under its lock; see src/sweep/claim.ts. */
  claimRun: (run: PlannedRun) => Promise<ClaimedRunDir>
}

/**
 * Run the planned runs on one loaded pipeline, a prompt x seed group at a time, in rounds: round 1
 * makes every new run of the group (frames, video, run.json written before the next starts) and
 * times the group's completed baselines again when there are new runs to pair with them; later
 * rounds time every cell again, in the same order, until `repeats` says stop. A failed run is
 * recorded and the sweep goes on; a signal or a dead Python stops it.
 */
export async function executeRuns(planned: PlannedRun[], options: SweepRunOptions): Promise<{ outcomes: Outcome[]; fatal?: unknown }> {
  const { shutdown } = options
  const setting = options.repeats ?? 'auto'
  const outcomes: Outcome[] = []
  const measured = { computedSteps: [] as number[], skippedSteps: [] as number[], finished: [] as Array<Measured['finished'][number]> }
  const queue = planned.filter((p) => p.plan.action === 'run')
  let fatal: unknown
  let loadCharged = false
  const interruption = () => new TeacacheError('INTERRUPTED', `interrupted by ${shutdown.signal}`, { exitCode: shutdown.exitCode })
  const stopIfSignalled = () => {
    if (shutdown.signal) throw (fatal ??= interruption())
  }
  const pendingOf = (q: PlannedRun): Pending => ({ threshold: q.spec.threshold, steps: q.config.steps })
  const etaOf = (current: Pending | null, position: number): Eta => {
    const later = queue.slice(position + 1).map(pendingOf)
    return { run: current ? estimateRemaining(measured, [current]) : 0, sweep: estimateRemaining(measured, current ? [current, ...later] : later) }
  }
  const contextFor = (p: PlannedRun, charge: boolean, warn: (m: string) => void) =>
    createRunContext(options.loaded(), p.config, p.dir, charge ? options.loadSeconds() : 0, charge ? (options.warmup?.() ?? null) : null, warn)

  /** Round 1 of a new run: the whole generation, frames and video, recorded completed with its first timing. */
  const makeRun = async (p: PlannedRun, session: TimingSession, position: number, progress: SweepProgress, warn: (m: string) => void): Promise<{ outcome: Outcome; cell?: Cell }> => {
    let ctx: RunContext | undefined
    let claimed: ClaimedRunDir | undefined
    try {
      claimed = await options.claimRun(p)
      if (claimed.kept) return { outcome: { spec: p.spec, status: 'skipped', record: null } }
      // Model loading and the warm-up are charged to the first run this process makes, as a single `run` would be.
      const context = contextFor(p, !loadCharged, warn)
      ctx = context
      loadCharged = true
      ctx.session = session
      let last = performance.now()
      let computedSoFar = 0
      let stepsDone = 0
      const current = () => ({ ...pendingOf(p), stepsDone })
      for (const task of runTasks(p.config, () => context, p.spec.method ? variantTitle(p.spec.method) : undefined)) {
        progress.phase(task.title, etaOf(current(), position))
        last = performance.now()
        await task.run((step: StepProgress) => {
          const now = performance.now()
          // A method's step reuses an unknown part of the work: its times would blur TeaCache's two kinds.
          if (!p.spec.method) (step.computed > computedSoFar ? measured.computedSteps : measured.skippedSteps).push((now - last) / 1000)
          computedSoFar = step.computed
          stepsDone = step.index + 1
          last = now
          progress.step(step, etaOf({ ...current(), steps: step.total }, position))
        })
        stopIfSignalled()
      }
      const record = await finishRun(ctx, 'completed')
      const t = record.timings_s
      if (!p.spec.method) measured.finished.push({ threshold: p.spec.threshold, steps: record.steps.length, computed: record.computed_steps, overhead: t.encode_prompt + t.decode + t.encode_video })
      return { outcome: { spec: p.spec, status: 'completed', record }, cell: { p, ctx, claimed, retimed: null, reference: firstGeneration(ctx) } }
    } catch (caught) {
      const signal = shutdown.signal
      const error = signal ? interruption() : caught
      const record = ctx ? await finishRun(ctx, signal ? 'interrupted' : 'failed', error).catch(() => null) : null
      await claimed?.release()
      // Without a run context nothing could be recorded (the folder itself failed): as fatal as a
      // dead Python, or a full disk, which the next run would meet too.
      if (signal || !ctx || isTeacacheError(caught, 'PYTHON_DIED') || isTeacacheError(caught, 'DISK')) fatal ??= error
      return { outcome: { spec: p.spec, status: signal ? 'interrupted' : 'failed', record, error } }
    }
  }

  const rounds: Omit<RoundDeps, 'progress'> = {
    setting, shutdown,
    describe,
    fatal: (error) => void (fatal ??= error),
  }
  const retime = (p: PlannedRun, session: TimingSession, progress: SweepProgress, warn: (m: string) => void) =>
    retimeBaseline(p, session, contextFor(p, false, warn), progress)
  const moreRounds = (cells: Cell[], session: TimingSession, progress: SweepProgress, started: number, first: number, group: string) =>
    laterRounds(cells, session, { ...rounds, progress }, { started, slowestGeneration: first, group })
  const record = recordCell

  const setup: ListedTask[] = options.setup.map((step) => ({
    title: step.title,
    run: async (line) => (stopIfSignalled(), await step.run(() => {}, line.warn)),
  }))
  // One task for every run: its title is the tally, its output the current run (see ./progress.ts).
  const runs: ListedTask = {
    title: `${planned.length} runs: ${queue.length} to run, ${planned.length - queue.length} already done`,
    run: async (line) => {
      const progress = new SweepProgress(planned.length, line)
      try {
        for (const p of planned) if (p.plan.action === 'skip') progress.alreadyDone(describe(p))
        for (const p of planned) if (p.plan.action === 'skip') outcomes.push({ spec: p.spec, status: 'skipped', record: null })
        for (const group of groupsOf(planned)) {
          if (shutdown.signal) fatal ??= interruption()
          if (fatal !== undefined) break
          if (!group.some((p) => p.plan.action === 'run')) continue
          await runGroup(group, progress, line.warn)
        }
      } finally {
        progress.close()
      }
      // What stopped the sweep stops its task too: shown as failed, or as interrupted for a signal.
      if (fatal !== undefined) throw fatal
    },
  }

  const runGroup = async (group: PlannedRun[], progress: SweepProgress, warn: (m: string) => void) => {
    const session = newSession(setting)
    const started = performance.now()
    const cells: Cell[] = []
    let slowest = 0
    try {
      for (const p of group) {
        if (shutdown.signal) fatal ??= interruption()
        if (fatal !== undefined) return
        if (p.plan.action === 'skip') {
          // A completed baseline is timed again so that the new runs pair with timings of this process.
          if (isBaseline(p.spec) && p.record) {
            const cell = await retime(p, session, progress, warn).catch((error) => {
              if (shutdown.signal || isTeacacheError(error, 'PYTHON_DIED')) fatal ??= shutdown.signal ? interruption() : error
              else progress.note(`${p.spec.id}: not timed again (${error instanceof Error ? error.message : String(error)}); the group's new runs have no baseline of this session to pair with`)
              return null
            })
            if (cell) cells.push(cell)
          }
          continue
        }
        const position = queue.indexOf(p)
        progress.start(describe(p), etaOf(pendingOf(p), position))
        const { outcome, cell } = await makeRun(p, session, position, progress, warn)
        outcomes.push(outcome)
        if (cell) {
          cells.push(cell)
          slowest = Math.max(slowest, cell.ctx.repeats[0].denoise + cell.ctx.repeats[0].decode)
        }
        finishLine(p, outcome, progress, etaOf(null, position).sweep, String(shutdown.signal))
      }
      session.rounds = 1
      if (fatal !== undefined) return
      const { stop, failed } = await moreRounds(cells, session, progress, started, slowest, group[0].spec.id.split('/')[0])
      session.stop = stop
      for (const { cell, error } of failed) {
        const why = error instanceof Error ? error.message : String(error)
        if (cell.retimed) {
          // A completed run another session made stays completed: only this session's rounds are in doubt.
          await writeRetimed({ ...cell, retimed: cell.retimed }, session)
          progress.note(`${cell.p.spec.id}: not timed again past round ${cell.ctx.repeats.at(-1)?.round ?? 1}: ${why}`)
          continue
        }
        const recorded = await finishRun(cell.ctx, 'failed', error).catch(() => null)
        const at = outcomes.findIndex((o) => o.spec === cell.p.spec)
        if (at >= 0) outcomes[at] = { spec: cell.p.spec, status: 'failed', record: recorded, error }
        progress.note(`${cell.p.spec.id}: failed in a later timing round: ${why}`)
      }
      if (shutdown.signal) fatal ??= interruption()
      const kept = cells.filter((c) => !failed.some((f) => f.cell === c))
      for (const cell of kept) await record(cell, session)
      progress.roundsDone(group[0].spec.id.split('/')[0], session.rounds, describeStop(stop))
    } finally {
      for (const cell of cells) await cell.claimed.release()
    }
  }

  try {
    await runListed([...setup, runs], { ...options.display, quiet: options.quiet, interrupted: () => shutdown.signal })
  } catch (error) {
    fatal ??= error
  }
  outcomes.sort((a, b) => a.spec.index - b.spec.index)
  return { outcomes, fatal }
}

function finishLine(p: PlannedRun, outcome: Outcome, progress: SweepProgress, left: number | null, signal: string): void {
  if (outcome.status === 'completed' && outcome.record) progress.finish({ status: 'completed', id: p.spec.id, summary: summarise(outcome.record) }, left)
  else if (outcome.status === 'skipped') progress.finish({ status: 'skipped', id: p.spec.id }, left)
  else if (outcome.status === 'interrupted') progress.finish({ status: 'interrupted', description: describe(p), signal }, left)
  else progress.finish({ status: 'failed', description: describe(p), message: outcome.error instanceof Error ? outcome.error.message : String(outcome.error) }, left)
}

function describe(p: PlannedRun): string {
  const what = p.spec.method
    ? variantTitle(p.spec.method)
    : `${p.spec.threshold === null ? 'baseline, no cache' : `TeaCache ${p.spec.threshold}`}${p.spec.compile === 'blocks' ? ', compiled blocks' : ''}`
  return `${p.spec.id} (${what}${p.plan.action === 'run' && p.plan.reason !== 'new' ? `; ${p.plan.reason}` : ''})`
}

function summarise(record: RunRecord): string {
  const t = record.timings_s
  return `${record.computed_steps}/${record.steps.length} steps computed · denoise ${t.denoise.toFixed(2)} s · decode ${t.decode.toFixed(2)} s`
}
