import { loadConfig, type LoadedConfig, type Overrides } from '../config/load.ts'
import { TeacacheError, warnOnStderr } from '../errors.ts'
import { resolveModel } from '../model/resolve.ts'
import { formatPlan, formatTarget, planJson, unreachable, type PlanHeader } from '../plan/format.ts'
import { chooseForTarget, DEFAULT_THRESHOLDS, everySchedule, planEntry, type PlanEntry } from '../plan/plan.ts'
import { describeLatencyModel, latencyModel } from '../plan/predict.ts'
import { traceFromRun, type Trace } from '../plan/trace.ts'
import { suspectInSweep } from '../plan/sweep-check.ts'
import { coefficientsWarning, type RunSetting } from '../policy/coefficients-file.ts'
import { chooseCoefficients, type ArchitectureFacts, type ChosenCoefficients } from '../policy/presets.ts'
import { shownPath } from '../util/paths.ts'

export interface PlanOptions {
  thresholds?: number[]
  targetSpeedup?: number
  fromRun?: string
  json?: boolean
  /** Flags that replace config fields (--coefficients, --steps, ...). */
  overrides?: Overrides
  quiet?: boolean
}

interface Measured {
  trace: Trace
  source: string
  coefficients: ChosenCoefficients
  latency: ReturnType<typeof latencyModel> | null
}

/**
 * `teacache plan`: the skip schedule of every threshold, replayed with the run's own policy from
 * the model's timestep embeddings (one short Python session) or from an earlier run.json (no
 * Python at all: the bridge is imported only on the model path).
 */
export async function planCommand(configFile: string, options: PlanOptions): Promise<PlanEntry[]> {
  const config = await loadConfig(configFile, options.overrides)
  const measured = options.fromRun ? await fromRun(config, options.fromRun) : await fromModel(config, Boolean(options.json || options.quiet))
  const { trace, coefficients, latency } = measured
  const entry = (t: number) => planEntry(coefficients.coefficients, trace.distances, t, latency)
  const thresholds = options.thresholds ?? config.sweep?.thresholds ?? [...DEFAULT_THRESHOLDS, config.teacache.rel_l1_thresh]
  const listed = [...new Set(thresholds)].sort((a, b) => a - b).map(entry)

  const header: PlanHeader = {
    config: shownPath(config.configPath),
    source: measured.source,
    steps: trace.distances.length,
    coefficients,
    latency: latency ? describeLatencyModel(latency) : null,
  }
  const write = (text: string) => void process.stdout.write(text)
  if (options.targetSpeedup === undefined) {
    write(options.json ? planJson(listed) : formatPlan(header, listed))
    return listed
  }
  // Without a threshold list, every distinct schedule is a candidate, under its roundest threshold.
  const candidates = options.thresholds ? listed : everySchedule(coefficients.coefficients, trace.distances, latency)
  const result = chooseForTarget(candidates, options.targetSpeedup)
  if (options.json) write(planJson(result.reached ? [result.entry] : []))
  else write(`${formatPlan(header, listed)}${result.reached ? formatTarget(options.targetSpeedup, result, latency !== null) : ''}`)
  if (!result.reached) {
    const measure = latency ? 'predicted speedup' : 'step ratio, no timings'
    // Not bad input, but nothing to act on: exit 1, like a search that found nothing.
    throw new TeacacheError('INPUT', unreachable(options.targetSpeedup, result.best, measure), { exitCode: 1 })
  }
  return [result.entry]
}

async function fromRun(config: LoadedConfig, dir: string): Promise<Measured> {
  const run = await traceFromRun(dir)
  // A trace belongs to one model and step count; planning another would silently mislead.
  for (const key of ['model', 'steps'] as const) {
    if (run.setting[key] !== config[key]) {
      throw new TeacacheError(
        'INPUT',
        `--from-run: ${dir} was made with ${key} ${run.setting[key]}, but ${shownPath(config.configPath)} has ${key} ${config[key]}; ` +
          'plan with the config of that run, or without --from-run',
      )
    }
  }
  // The report leaves a suspect run's timing out; a plan must not print it as measured either.
  const suspect = run.timings ? await suspectInSweep(dir) : null
  if (suspect) warnOnStderr(`--from-run: the timing of ${shownPath(dir)} is suspect in its sweep's report (${suspect}); latencies are not predicted from it`)
  return {
    trace: run,
    source: `recorded in ${shownPath(dir)}/run.json (no Python)`,
    coefficients: planCoefficients(config, run.setting, run.model, run.coefficients),
    latency: run.timings && !suspect ? latencyModel(run.timings) : null,
  }
}

async function fromModel(config: LoadedConfig, quiet: boolean): Promise<Measured> {
  const location = await resolveModel(config.model)
  const { PythonSession } = await import('../engine/session.ts')
  const session = new PythonSession()
  const measured: { value?: Measured } = {}
  try {
    await session.run([
      ...session.openSteps(config, location),
      {
        title: `Measure the indicator over ${config.steps} steps`,
        run: async (_report, warn) => {
          const { engine, facts } = session.loaded
          const trace = await engine.indicatorTrace(config.steps, config.guidance_scale)
          const source = `the model's timestep embeddings (${config.model}, guidance ${config.guidance_scale})`
          measured.value = { trace, source, coefficients: planCoefficients(config, config, facts, null, warn), latency: null }
        },
      },
    ], { quiet })
  } catch (caught) {
    throw session.failure(caught, 'no plan printed')
  } finally {
    await session.close()
  }
  if (!measured.value) throw new Error('the indicator was not measured')
  return measured.value
}

/** The config's coefficients (or --coefficients) win; else those the run used; else the preset. */
function planCoefficients(
  config: LoadedConfig,
  setting: RunSetting,
  facts: ArchitectureFacts,
  recorded: ChosenCoefficients | null,
  // Inside a progress list the warning belongs to its task (listr2 holds a terminal's stderr back).
  warn: (message: string) => void = warnOnStderr,
): ChosenCoefficients {
  const file = config.coefficientsFile
  if (file) {
    const warning = coefficientsWarning(file, setting, facts)
    if (warning) warn(warning)
  }
  if (!config.teacache.coefficients && recorded) return recorded
  return chooseCoefficients(config.teacache.coefficients, facts, file ? `file:${shownPath(file.path)}` : 'config')
}
