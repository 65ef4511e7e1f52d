import { loadConfig, type Overrides } from '../config/load.ts'
import { checkRunInputs } from '../config/rules.ts'
import { resolveModel } from '../model/resolve.ts'
import { createRunContext, finishRun, runTasks, type RunContext } from '../run/execute.ts'
import { chooseRunDir, createRunDir, type ClaimedRunDir } from '../run/output.ts'
import type { RunRecord } from '../run/record.ts'
import { PythonSession } from '../engine/session.ts'
import { protectedPaths } from '../run/safe-force.ts'
import { checkWarmup } from '../run/warmup.ts'

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

  const session = new PythonSession()
  // The generation exists once the model has loaded and its folder is claimed.
  const made: { ctx?: RunContext; claimed?: ClaimedRunDir } = {}
  const generation = (): RunContext => {
    if (!made.ctx) throw new Error('the run folder is not made yet')
    return made.ctx
  }
  try {
    await session.run([
      ...session.openSteps(config, location, async (loaded, warn) => {
        const context = createRunContext(loaded, config, chosen, loaded.loadSeconds, null, warn)
        // Another process may have taken an auto name meanwhile: the folder made is the one used.
        made.claimed = await createRunDir(chosen, { force, auto: !output, protect, requireRecord: true })
        made.ctx = { ...context, runDir: made.claimed.dir }
      }),
      ...(warmup ? session.warmupSteps([{ config }]) : []),
      ...runTasks(config, generation),
    ], { quiet })
    const record = await finishRun({ ...generation(), warmup: session.warmup }, 'completed')
    if (!quiet) process.stdout.write(summary(record, generation().runDir))
    return record
  } catch (caught) {
    const error = session.failure(caught)
    if (made.ctx) await finishRun({ ...made.ctx, warmup: session.warmup }, session.shutdown.signal ? 'interrupted' : 'failed', error).catch(() => {})
    throw error
  } finally {
    await made.claimed?.release()
    await session.close()
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
