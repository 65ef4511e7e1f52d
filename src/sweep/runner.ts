import type { LoadedConfig } from '../config/load.ts'
import { TeacacheError, isTeacacheError } from '../errors.ts'
import { createRunContext, finishRun, runTasks, type RunContext, type StepProgress } from '../run/execute.ts'
import type { ClaimedRunDir } from '../run/output.ts'
import { runListed, type Display, type ListedTask, type Step } from '../run/progress.ts'
import type { RunRecord } from '../run/record.ts'
import type { Loaded } from '../run/session.ts'
import type { Shutdown } from '../run/signals.ts'
import type { WarmupRecord } from '../run/warmup.ts'
import { estimateRemaining, type Measured, type Pending } from './eta.ts'
import { variantTitle } from '../methods/variant.ts'
import type { RunSpec } from './grid.ts'
import { SweepProgress, type Eta } from './progress.ts'
import type { Plan } from './state.ts'
import type { Repeats } from '../run/repeats.ts'

/** One run of the grid as this process will treat it. */
export interface PlannedRun {
  spec: RunSpec
  dir: string
  config: LoadedConfig
  plan: Plan
}

export interface Outcome {
  spec: RunSpec
  status: 'completed' | 'failed' | 'interrupted' | 'skipped'
  record: RunRecord | null
  error?: unknown
}

/**
 * A run's config: the sweep's, with this run's prompt, seed and threshold (null: TeaCache off),
 * or TeaCache off and one of diffusers' caches. Only method runs carry a `method` key, so the
 * fingerprints of baseline and TeaCache runs are what they were.
 */
export function runConfig(base: LoadedConfig, spec: RunSpec, sweepDir: string): LoadedConfig {
  const teacache = spec.threshold === null ? { ...base.teacache, enabled: false } : { ...base.teacache, enabled: true, rel_l1_thresh: spec.threshold }
  const method = spec.method ? { method: { name: spec.method.method, params: spec.method.params } } : {}
  return { ...base, prompt: spec.prompt, seed: spec.seed, compile: spec.compile, output: sweepDir, sweep: undefined, teacache, ...method }
}

export interface SweepRunOptions {
  /** Work shown before the runs (start Python, load the model), in the same list. */
  setup: Step[]
  loaded: () => Loaded
  loadSeconds: () => number
  /** The process's warm-up (null with --no-warmup), charged like the load to its first run. */
  warmup?: () => WarmupRecord | null
  /** Timed generations per cell (sweep --repeats). */
  repeats?: Repeats
  shutdown: Shutdown
  quiet?: boolean
  /** Where progress goes (default stdout and stderr). */
  display?: Display
  /** Create (or take over) a run's folder under its lock; see src/sweep/claim.ts. */
  claimRun: (run: PlannedRun) => Promise<ClaimedRunDir>
}

/**
 * Run the planned runs one after another on one loaded pipeline. Each run is a `run`-format
 * folder whose run.json is written before the next starts. A failed run is recorded and the
 * sweep goes on; a signal or a dead Python stops it (the current run recorded as such).
 */
export async function executeRuns(planned: PlannedRun[], options: SweepRunOptions): Promise<{ outcomes: Outcome[]; fatal?: unknown }> {
  const { shutdown } = options
  const outcomes: Outcome[] = planned.filter((p) => p.plan.action === 'skip').map((p) => ({ spec: p.spec, status: 'skipped', record: null }))
  const measured = { computedSteps: [] as number[], skippedSteps: [] as number[], finished: [] as Array<Measured['finished'][number]> }
  const queue = planned.filter((p) => p.plan.action === 'run')
  let fatal: unknown
  let loadCharged = false
  const interruption = () => new TeacacheError('INTERRUPTED', `interrupted by ${shutdown.signal}`, { exitCode: shutdown.exitCode })
  const stopIfSignalled = () => {
    if (shutdown.signal) throw (fatal ??= interruption())
  }
  const pendingOf = (q: PlannedRun): Pending => ({ threshold: q.spec.threshold, steps: q.config.steps })
  /** Time left for the current run, and for it and every run after it. */
  const etaOf = (current: Pending | null, position: number): Eta => {
    const later = queue.slice(position + 1).map(pendingOf)
    return { run: current ? estimateRemaining(measured, [current]) : 0, sweep: estimateRemaining(measured, current ? [current, ...later] : later) }
  }

  const runOne = async (p: PlannedRun, position: number, progress: SweepProgress, warn: (message: string) => void): Promise<Outcome> => {
    let ctx: RunContext | undefined
    let claimed: ClaimedRunDir | undefined
    try {
      claimed = await options.claimRun(p)
      if (claimed.kept) return { spec: p.spec, status: 'skipped', record: null }
      // Model loading and the warm-up are charged to the first run this process makes, as a single `run` would be.
      ctx = createRunContext(options.loaded(), p.config, p.dir, loadCharged ? 0 : options.loadSeconds(), loadCharged ? null : (options.warmup?.() ?? null), warn)
      loadCharged = true
      let last = performance.now()
      let computedSoFar = 0
      let stepsDone = 0
      const current = () => ({ ...pendingOf(p), stepsDone })
      for (const task of runTasks(p.config, () => ctx!, { repeats: options.repeats })) {
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
      return { spec: p.spec, status: 'completed', record }
    } catch (caught) {
      const signal = shutdown.signal
      const error = signal ? interruption() : caught
      const record = ctx ? await finishRun(ctx, signal ? 'interrupted' : 'failed', error).catch(() => null) : null
      // Without a run context nothing could be recorded (the folder itself failed): as fatal as a
      // dead Python, or a full disk, which the next run would meet too.
      if (signal || !ctx || isTeacacheError(caught, 'PYTHON_DIED') || isTeacacheError(caught, 'DISK')) fatal ??= error
      return { spec: p.spec, status: signal ? 'interrupted' : 'failed', record, error }
    } finally {
      await claimed?.release()
    }
  }

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
        for (const [position, p] of queue.entries()) {
          if (shutdown.signal) fatal ??= interruption()
          if (fatal !== undefined) break
          progress.start(describe(p), etaOf(pendingOf(p), position))
          const outcome = await runOne(p, position, progress, line.warn)
          outcomes.push(outcome)
          const left = etaOf(null, position).sweep
          if (outcome.status === 'completed') progress.finish({ status: 'completed', id: p.spec.id, summary: summarise(outcome.record!) }, left)
          else if (outcome.status === 'skipped') progress.finish({ status: 'skipped', id: p.spec.id }, left)
          else if (outcome.status === 'interrupted') progress.finish({ status: 'interrupted', description: describe(p), signal: String(shutdown.signal) }, left)
          else progress.finish({ status: 'failed', description: describe(p), message: outcome.error instanceof Error ? outcome.error.message : String(outcome.error) }, left)
        }
      } finally {
        progress.close()
      }
      // What stopped the sweep stops its task too: shown as failed, or as interrupted for a signal.
      if (fatal !== undefined) throw fatal
    },
  }
  try {
    await runListed([...setup, runs], { ...options.display, quiet: options.quiet, interrupted: () => shutdown.signal })
  } catch (error) {
    fatal ??= error
  }
  outcomes.sort((a, b) => a.spec.index - b.spec.index)
  return { outcomes, fatal }
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
