import { Listr } from 'listr2'
import type { LoadedConfig } from '../config/load.ts'
import { TeacacheError, isTeacacheError } from '../errors.ts'
import { createRunContext, finishRun, runTasks, type RunContext, type StepProgress } from '../run/execute.ts'
import type { ClaimedRunDir } from '../run/output.ts'
import type { RunRecord } from '../run/record.ts'
import type { Loaded } from '../run/session.ts'
import type { Shutdown } from '../run/signals.ts'
import type { WarmupRecord } from '../run/warmup.ts'
import { estimateRemaining, formatDuration, type Measured, type Pending } from './eta.ts'
import { variantTitle } from '../methods/variant.ts'
import type { RunSpec } from './grid.ts'
import type { Plan } from './state.ts'

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
  setup: Array<{ title: string; run(): Promise<void> }>
  loaded: () => Loaded
  loadSeconds: () => number
  /** The process's warm-up (null with --no-warmup), charged like the load to its first run. */
  warmup?: () => WarmupRecord | null
  /** Timed generations per cell (sweep --repeats). */
  repeats?: number
  shutdown: Shutdown
  quiet?: boolean
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
  const tty = Boolean(process.stdout.isTTY)
  const stopIfSignalled = () => {
    if (shutdown.signal) throw (fatal ??= new TeacacheError('INTERRUPTED', `interrupted by ${shutdown.signal}`, { exitCode: shutdown.exitCode }))
  }

  const runOne = async (p: PlannedRun, position: number, setOutput: (text: string) => void): Promise<Outcome> => {
    stopIfSignalled()
    let ctx: RunContext | undefined
    let claimed: ClaimedRunDir | undefined
    const eta = (current: Pending) => {
      const left = estimateRemaining(measured, [current, ...queue.slice(position + 1).map((q) => ({ threshold: q.spec.threshold, steps: q.config.steps }))])
      return left === null ? 'ETA estimating' : `ETA ${formatDuration(left)}`
    }
    try {
      claimed = await options.claimRun(p)
      if (claimed.kept) return { spec: p.spec, status: 'skipped', record: null }
      // Model loading and the warm-up are charged to the first run this process makes, as a single `run` would be.
      ctx = createRunContext(options.loaded(), p.config, p.dir, loadCharged ? 0 : options.loadSeconds(), loadCharged ? null : (options.warmup?.() ?? null))
      loadCharged = true
      let last = performance.now()
      let computedSoFar = 0
      let stepsDone = 0
      for (const task of runTasks(p.config, () => ctx!, { repeats: options.repeats })) {
        setOutput(`${task.title} · ${eta({ threshold: p.spec.threshold, steps: p.config.steps, stepsDone })}`)
        last = performance.now()
        await task.run((progress: StepProgress) => {
          const now = performance.now()
          // A method's step reuses an unknown part of the work: its times would blur TeaCache's two kinds.
          if (!p.spec.method) (progress.computed > computedSoFar ? measured.computedSteps : measured.skippedSteps).push((now - last) / 1000)
          computedSoFar = progress.computed
          stepsDone = progress.index + 1
          last = now
          const every = tty ? 1 : Math.max(1, Math.ceil(progress.total / 4))
          if ((progress.index + 1) % every !== 0) return
          const pending = { threshold: p.spec.threshold, steps: progress.total, stepsDone }
          setOutput(`step ${progress.index + 1}/${progress.total} · ${progress.computed} computed · ${progress.skipped} skipped · ${eta(pending)}`)
        })
        stopIfSignalled()
      }
      const record = await finishRun(ctx, 'completed')
      const t = record.timings_s
      if (!p.spec.method) measured.finished.push({ threshold: p.spec.threshold, steps: record.steps.length, computed: record.computed_steps, overhead: t.encode_prompt + t.decode + t.encode_video })
      return { spec: p.spec, status: 'completed', record }
    } catch (caught) {
      const interrupted = Boolean(shutdown.signal)
      const error = interrupted ? new TeacacheError('INTERRUPTED', `interrupted by ${shutdown.signal}`, { exitCode: shutdown.exitCode }) : caught
      const record = ctx ? await finishRun(ctx, interrupted ? 'interrupted' : 'failed', error).catch(() => null) : null
      // Without a run context nothing could be recorded (the folder itself failed): as fatal as a
      // dead Python, or a full disk, which the next run would meet too.
      if (interrupted || !ctx || isTeacacheError(caught, 'PYTHON_DIED') || isTeacacheError(caught, 'DISK')) fatal ??= error
      return { spec: p.spec, status: interrupted ? 'interrupted' : 'failed', record, error }
    } finally {
      await claimed?.release()
    }
  }

  const list = new Listr(
    [
      ...options.setup.map((step) => ({ title: step.title, task: async () => (stopIfSignalled(), await step.run()) })),
      ...planned.map((p) => ({
        title: describe(p),
        skip: p.plan.action === 'skip' ? `${p.spec.id}: already completed with these settings` : false,
        exitOnError: () => fatal !== undefined,
        task: async (_: unknown, task: { title: string; output: string; skip(message: string): void }) => {
          const outcome = await runOne(p, queue.indexOf(p), (text) => (task.output = text))
          outcomes.push(outcome)
          if (outcome.status === 'skipped') task.skip(`${p.spec.id}: completed meanwhile by another process of this sweep`)
          else if (outcome.status === 'completed') task.title = `${p.spec.id} · ${summarise(outcome.record!)}`
          else throw new Error(`${p.spec.id}: ${outcome.status}: ${outcome.error instanceof Error ? outcome.error.message : String(outcome.error)}`)
        },
        rendererOptions: { persistentOutput: false, outputBar: 1 },
      })),
    ],
    {
      concurrent: false,
      exitOnError: true,
      // listr2's own SIGINT handler exits the process at once; the sweep records the run first.
      registerSignalListeners: false,
      renderer: options.quiet ? 'silent' : tty ? 'default' : 'simple',
      fallbackRenderer: 'simple',
      collectErrors: false,
    },
  )
  try {
    await list.run()
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
