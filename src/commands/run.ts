import { loadConfig, type Overrides } from '../config/load.ts'
import { checkRunInputs } from '../config/rules.ts'
import { resolveModel } from '../model/resolve.ts'
import { createRunContext, finishRun, runTasks, type RunContext } from '../run/execute.ts'
import { chooseRunDir, createRunDir, type ClaimedRunDir } from '../run/output.ts'
import { runWithProgress, type Step } from '../run/progress.ts'
import type { RunRecord } from '../run/record.ts'
import { loadModel, startPython } from '../run/session.ts'
import { protectedPaths } from '../run/safe-force.ts'
import { onShutdown } from '../run/signals.ts'
import { guardSteps, interruptedError } from '../run/interruptible.ts'
import { checkWarmup, warmUp, warmupTitle } from '../run/warmup.ts'

export interface RunOptions {
  /** Flags that replace config fields (--steps, --height, ...). */
  overrides?: Overrides
  output?: string
  force?: boolean
  quiet?: boolean
  /** false: no untimed warm-up generation first (quick looks; the timings then include start-up costs). */
  warmup?: boolean
}

/** `teacache run`: everything checkable is checked before Python starts; nothing is written before the model loads. */
export async function runCommand(configFile: string, options: RunOptions): Promise<RunRecord> {
  const { output, force, quiet, warmup = true, overrides } = options
  const config = await loadConfig(configFile, overrides)
  checkWarmup(config, warmup)
  const location = await resolveModel(config.model)
  await checkRunInputs(config, location)
  const protect = protectedPaths({ config: config.configPath, coefficients: config.coefficientsFile?.path, image: config.image })
  const chosen = await chooseRunDir({ explicit: output, parent: config.output, name: config.name, force, protect })

  let started: Awaited<ReturnType<typeof startPython>> | undefined
  let ctx: RunContext | undefined
  let claimed: ClaimedRunDir | undefined
  // A signal during start-up ends the start-up too, not only a started Python.
  const starting = new AbortController()
  const shutdown = onShutdown(() => (starting.abort(), started?.engine.close()))
  try {
    const steps: Step[] = [
        { title: 'Start Python', run: async () => void (started = await startPython({ signal: starting.signal })) },
        {
          title: `Load ${config.model}`,
          run: async (_report, warn) => {
            const loaded = await loadModel(started!, config, location)
            const context = createRunContext(loaded, config, chosen, loaded.loadSeconds, null, warn)
            // Another process may have taken an auto name meanwhile: the folder made is the one used.
            claimed = await createRunDir(chosen, { force, auto: !output, protect, requireRecord: true })
            context.runDir = claimed.dir
            ctx = context
          },
        },
      ...(warmup ? [{ title: warmupTitle(config), run: async () => void (ctx!.warmup = await warmUp(ctx!.loaded.engine, config)) }] : []),
      ...runTasks(config, () => ctx!),
    ]
    await runWithProgress(guardSteps(steps, shutdown), { quiet, interrupted: () => shutdown.signal })
    const record = await finishRun(ctx!, 'completed')
    if (!quiet) process.stdout.write(summary(record, ctx!.runDir))
    return record
  } catch (caught) {
    const error = shutdown.signal ? interruptedError(shutdown) : caught
    if (ctx) await finishRun(ctx, shutdown.signal ? 'interrupted' : 'failed', error).catch(() => {})
    throw error
  } finally {
    shutdown.dispose()
    await claimed?.release()
    await started?.engine.close()
  }
}

function summary(record: RunRecord, runDir: string): string {
  const t = record.timings_s
  const cache = record.teacache.enabled ? `TeaCache ${record.teacache.rel_l1_thresh}` : 'no cache'
  return (
    `\n${cache}: ${record.computed_steps}/${record.steps.length} steps computed, ${record.skipped_steps} skipped\n` +
    `denoise ${t.denoise.toFixed(2)} s · decode ${t.decode.toFixed(2)} s · total ${t.total.toFixed(2)} s\n` +
    `video: ${runDir}/video.mp4\n`
  )
}
