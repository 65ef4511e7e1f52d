import type { LoadedConfig } from '../config/load.ts'
import { checkModelFit } from '../config/rules.ts'
import { warnOnStderr } from '../errors.ts'
import { coefficientsForRun } from '../policy/coefficients-file.ts'
import type { Policy } from '../policy/teacache.ts'
import type { DecodeResult, DenoiseResult } from '../python/engine.ts'
import type { Loaded } from './loaded.ts'
import type { RepeatTiming, TimingSession } from './record.ts'

/** One generation's state, filled in by its tasks in order. */
export interface RunContext {
  loaded: Loaded
  config: LoadedConfig
  runDir: string
  startedAt: Date
  /** Seconds spent loading the model, charged to this run (0 for later runs of a sweep). */
  loadSeconds: number
  /** The process's warm-up, charged like loading to the first run after it (seconds, and the compile time inside it). */
  warmup: { seconds: number; compile: number } | null
  policy: Policy | null
  coefficients: { coefficients: readonly number[]; source: string } | null
  timesteps: number[]
  encodeSeconds: number
  denoise: DenoiseResult | null
  decode: DecodeResult | null
  videoSeconds: number
  video: string | null
  /** Every timed generation of this cell; the first is the one whose frames were written. */
  repeats: RepeatTiming[]
  /** The sweep session timing this cell's group in rounds (null: a single `run`), and the round under way. */
  session: TimingSession | null
  round: number
}

const warned = new Set<string>()

/** The checks that need the loaded model come first: a failure here leaves nothing on disk. */
export function createRunContext(
  loaded: Loaded,
  config: LoadedConfig,
  runDir: string,
  loadSeconds: number,
  warmup: RunContext['warmup'] = null,
  /** How a warning reaches the user: the progress display passes its own, so it shows at once. */
  warn: (message: string) => void = warnOnStderr,
): RunContext {
  checkModelFit(config, loaded.facts)
  const coefficients = config.teacache.enabled ? coefficientsForRun(config, loaded.facts) : null
  // A coefficients file fitted on another setting still runs, but the user should know (once per command).
  if (coefficients?.warning && !warned.has(coefficients.warning)) {
    warned.add(coefficients.warning)
    warn(coefficients.warning)
  }
  return {
    loaded, config, runDir, loadSeconds, warmup, coefficients,
    startedAt: new Date(), policy: null, timesteps: [], encodeSeconds: 0, denoise: null, decode: null, videoSeconds: 0, video: null, repeats: [], session: null, round: 1,
  }
}
