import { promises as fs } from 'node:fs'
import { arch, platform } from 'node:os'
import { join } from 'node:path'
import type { LoadedConfig } from '../config/load.ts'
import { TeacacheError } from '../errors.ts'
import { modelFitViolations } from '../config/rules.ts'
import { coefficientsForRun } from '../policy/coefficients-file.ts'
import type { CacheMethod } from '../methods/method.ts'
import { variantId, variantTitle } from '../methods/variant.ts'
import { createPolicy, type Policy } from '../policy/teacache.ts'
import type { DecodeResult, DenoiseArgs, DenoiseResult, Decide } from '../python/engine.ts'
import { writeFileAtomic, writeJsonAtomic } from '../util/fs.ts'
import { encodeVideo } from '../video/ffmpeg.ts'
import { decodeOrDiscard } from './frames.ts'
import { countSteps, pickModel, stepRecords, type RepeatTiming, type RunRecord, type RunStatus, type TimingSession } from './record.ts'
import type { Loaded } from '../run/loaded.ts'
import { wherePlaced } from './placement.ts'
import packageJson from '../../package.json' with { type: 'json' }

/** Progress of the denoising loop, as the progress display wants it. */
export interface StepProgress {
  index: number
  total: number
  computed: number
  skipped: number
}

export interface RunTask {
  title: string
  run(report: (progress: StepProgress) => void): Promise<void>
}

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
  warn: (message: string) => void = (message) => void process.stderr.write(`teacache: warning: ${message}\n`),
): RunContext {
  const problems = modelFitViolations(config, loaded.facts)
  if (problems.length > 0) throw new TeacacheError('CONFIG', problems.join('\n'))
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

/**
 * The tasks of one generation. They read the context through `get` because a command lists its
 * tasks before the model has loaded and the context exists.
 */
export function runTasks(config: LoadedConfig, get: () => RunContext): RunTask[] {
  const negative = config.negative_prompt ?? null
  return [
    {
      title: 'Encode prompt',
      async run() {
        const ctx = get()
        ctx.encodeSeconds = (await ctx.loaded.engine.encodePrompt(config.prompt, negative, config.guidance_scale)).seconds
      },
    },
    {
      title: `Denoise (${config.steps} steps${config.method ? `, ${methodTitle(config.method)}` : config.teacache.enabled ? `, TeaCache ${config.teacache.rel_l1_thresh}` : ', no cache'}${config.compile === 'blocks' ? ', compiled blocks' : ''})`,
      async run(report) {
        const ctx = get()
        const { policy, result } = await denoiseOnce(ctx, report, (index, timestep) => void (ctx.timesteps[index] = timestep))
        ctx.policy = policy
        ctx.denoise = result
      },
    },
    {
      title: 'Decode latents to frames',
      async run() {
        const ctx = get()
        const decode = await decodeOrDiscard(join(ctx.runDir, 'frames'), () => ctx.loaded.engine.decode(join(ctx.runDir, 'frames')))
        ctx.decode = decode
        ctx.repeats = [{ denoise: ctx.denoise?.seconds ?? 0, decode: decode.seconds, ...roundOf(ctx) }]
      },
    },
    {
      title: 'Encode video',
      async run() {
        const ctx = get()
        const started = performance.now()
        await encodeVideo(join(ctx.runDir, 'frames'), join(ctx.runDir, 'video.mp4'), config.fps)
        ctx.videoSeconds = (performance.now() - started) / 1000
        ctx.video = 'video.mp4'
      },
    },
  ]
}

const schedulePattern = (policy: Policy | null) => (policy ? policy.decisions.map((d) => (d.computed ? 'C' : '-')).join('') : 'all')
const workPattern = (result: DenoiseResult | null) => {
  const c = result?.compute
  return c ? `${c.block_rows} block, ${c.attention_rows} attention, ${c.feedforward_rows} feed-forward rows` : 'not counted'
}

/** The arguments of one denoising loop of this config: built once, the same for every round. */
function denoiseArgs(config: LoadedConfig): DenoiseArgs {
  return {
    prompt: config.prompt, negative_prompt: config.negative_prompt ?? null, guidance_scale: config.guidance_scale, image: config.image ?? null,
    seed: config.seed, steps: config.steps, use_dynamic_cfg: config.use_dynamic_cfg,
    height: config.height, width: config.width, frames: config.frames, generator: config.generator, compile: config.compile,
    method: config.method ?? null,
  }
}

/** One denoising loop, the policy (when TeaCache is on) deciding every step. */
async function denoiseOnce(
  ctx: RunContext,
  report: (progress: StepProgress) => void,
  onTimestep: (index: number, timestep: number) => void = () => {},
): Promise<{ policy: Policy | null; result: DenoiseResult }> {
  const { config } = ctx
  let computed = 0
  const progress = (index: number, timestep: number, wasComputed: boolean) => {
    onTimestep(index, timestep)
    if (wasComputed) computed++
    report({ index, total: config.steps, computed, skipped: index + 1 - computed })
  }
  let policy: Policy | null = null
  let decide: Decide | null = null
  if (ctx.coefficients) {
    const created = createPolicy({ coefficients: ctx.coefficients.coefficients, threshold: config.teacache.rel_l1_thresh, numSteps: config.steps })
    policy = created
    decide = (index, timestep, distance) => {
      const decision = created.decide(index, distance)
      progress(index, timestep, decision.computed)
      return decision.computed
    }
  }
  const onStep = decide ? null : (index: number, timestep: number) => progress(index, timestep, true)
  return { policy, result: await ctx.loaded.engine.denoise(denoiseArgs(config), decide, onStep) }
}

const roundOf = (ctx: RunContext): Pick<RepeatTiming, 'session' | 'round'> =>
  ctx.session ? { session: ctx.session.id, round: ctx.round } : {}

/**
 * Time the cell again for a later round of its group: the same seed and schedule, decoded without
 * writing frames. `reference` is the schedule and work of the generation whose frames were
 * written: a round that computed other steps, or ran other work in the blocks, timed something else.
 */
export async function timeRound(ctx: RunContext, round: number, report: (progress: StepProgress) => void, reference: Generation | null): Promise<Generation> {
  ctx.round = round
  const { policy, result } = await denoiseOnce(ctx, report)
  if (reference) {
    if (schedulePattern(policy) !== reference.schedule) {
      throw new TeacacheError('PYTHON', `round ${round} computed other steps (${schedulePattern(policy)}) than the first generation (${reference.schedule}); its time would not be a repeat`)
    }
    if (workPattern(result) !== reference.work) {
      throw new TeacacheError('PYTHON', `round ${round} ran other work in the blocks (${workPattern(result)}) than the first generation (${reference.work}); its time would not be a repeat`)
    }
  }
  const decoded = await ctx.loaded.engine.decode(null)
  ctx.repeats.push({ denoise: result.seconds, decode: decoded.seconds, ...roundOf(ctx) })
  return { schedule: schedulePattern(policy), work: workPattern(result) }
}

/** What a later round must reproduce of a cell's first generation: its schedule and the work in its blocks. */
export interface Generation {
  schedule: string
  work: string
}

export const firstGeneration = (ctx: RunContext): Generation => ({ schedule: schedulePattern(ctx.policy), work: workPattern(ctx.denoise) })

/** "FirstBlockCache (0.05)": a method run's config as a title. */
function methodTitle(method: NonNullable<LoadedConfig['method']>): string {
  const variant = { method: method.name as CacheMethod, params: method.params }
  return variantTitle({ ...variant, id: variantId(variant.method, variant.params) })
}

/** Write run.json (and error.txt for a failure): the run's outcome, whatever it was. */
export async function finishRun(ctx: RunContext, status: RunStatus, error?: unknown): Promise<RunRecord> {
  const { facts, versions, engine } = ctx.loaded
  const { configPath, name: _name, coefficientsFile: _file, ...config } = ctx.config
  const steps = stepRecords(ctx.policy?.decisions ?? [], ctx.timesteps, ctx.denoise?.step_seconds ?? [], ctx.denoise?.compute ?? null, ctx.denoise?.distances ?? [])
  const memory = await engine.memory().catch(() => null)
  const timings = {
    load: ctx.loadSeconds,
    warmup: ctx.warmup?.seconds ?? 0,
    compile: ctx.warmup?.compile ?? 0,
    encode_prompt: ctx.encodeSeconds,
    denoise: ctx.denoise?.seconds ?? 0,
    decode: ctx.decode?.seconds ?? 0,
    vae: ctx.decode?.vae_seconds ?? 0,
    write_frames: ctx.decode?.write_seconds ?? 0,
    encode_video: ctx.videoSeconds,
    total: 0,
  }
  // compile is part of the warm-up's time, and vae part of decode's: counted once.
  const repeatSeconds = ctx.repeats.slice(1).reduce((sum, r) => sum + r.denoise + r.decode, 0)
  timings.total = timings.load + timings.warmup + timings.encode_prompt + timings.denoise + timings.decode + timings.write_frames + repeatSeconds + timings.encode_video
  const record: RunRecord = {
    format: 'teacache-run/1',
    status,
    error: error === undefined ? null : describeError(error),
    started_at: ctx.startedAt.toISOString(),
    finished_at: new Date().toISOString(),
    config: { ...config, config_path: configPath },
    model: pickModel(facts),
    environment: {
      ...versions, node: process.version, platform: `${platform()}-${arch()}`,
      device: facts.device, device_name: facts.device_name, dtype: facts.dtype, teacache: packageJson.version,
    },
    teacache: {
      enabled: ctx.config.teacache.enabled,
      rel_l1_thresh: ctx.config.teacache.rel_l1_thresh,
      coefficients: ctx.coefficients?.coefficients ?? null,
      coefficients_source: ctx.coefficients?.source ?? null,
    },
    steps,
    ...countSteps(steps),
    block_loops: ctx.denoise?.block_loops ?? null,
    compute: ctx.denoise?.compute ?? null,
    timings_s: timings,
    repeats: ctx.repeats,
    ...(ctx.session ? { timing: { sessions: [{ ...ctx.session }] } } : {}),
    worker: wherePlaced(facts.device, facts.device_name),
    memory,
    output: {
      video: ctx.video,
      frames_dir: ctx.decode ? 'frames' : null,
      frames: ctx.decode?.frames ?? 0,
      height: ctx.decode?.height ?? 0,
      width: ctx.decode?.width ?? 0,
    },
  }
  await fs.mkdir(ctx.runDir, { recursive: true })
  if (error instanceof TeacacheError && error.details) await writeFileAtomic(join(ctx.runDir, 'error.txt'), error.details)
  await writeJsonAtomic(join(ctx.runDir, 'run.json'), record)
  return record
}

function describeError(error: unknown): { code: string; message: string } {
  if (error instanceof TeacacheError) return { code: error.code, message: error.message }
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) }
}
