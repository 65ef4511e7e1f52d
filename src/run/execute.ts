import { promises as fs } from 'node:fs'
import { arch, platform } from 'node:os'
import { join } from 'node:path'
import type { LoadedConfig } from '../config/load.ts'
import { TeacacheError } from '../errors.ts'
import { modelFitViolations } from '../config/rules.ts'
import { coefficientsForRun } from '../policy/coefficients-file.ts'
import { createPolicy, type Policy } from '../policy/teacache.ts'
import type { DecodeResult, DenoiseResult, Decide } from '../python/bridge.ts'
import { writeFileAtomic, writeJsonAtomic } from '../util/fs.ts'
import { encodeVideo } from '../video/ffmpeg.ts'
import { decodeOrDiscard } from './frames.ts'
import { countSteps, pickModel, stepRecords, type RunRecord, type RunStatus } from './record.ts'
import type { Loaded } from './session.ts'
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
  policy: Policy | null
  coefficients: { coefficients: readonly number[]; source: string } | null
  timesteps: number[]
  encodeSeconds: number
  denoise: DenoiseResult | null
  decode: DecodeResult | null
  videoSeconds: number
  video: string | null
}

const warned = new Set<string>()

/** The checks that need the loaded model come first: a failure here leaves nothing on disk. */
export function createRunContext(loaded: Loaded, config: LoadedConfig, runDir: string, loadSeconds: number): RunContext {
  const problems = modelFitViolations(config, loaded.facts)
  if (problems.length > 0) throw new TeacacheError('CONFIG', problems.join('\n'))
  const coefficients = config.teacache.enabled ? coefficientsForRun(config, loaded.facts) : null
  // A coefficients file fitted on another setting still runs, but the user should know (once per command).
  if (coefficients?.warning && !warned.has(coefficients.warning)) {
    warned.add(coefficients.warning)
    process.stderr.write(`teacache: warning: ${coefficients.warning}\n`)
  }
  return {
    loaded, config, runDir, loadSeconds, coefficients,
    startedAt: new Date(), policy: null, timesteps: [], encodeSeconds: 0, denoise: null, decode: null, videoSeconds: 0, video: null,
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
      title: `Denoise (${config.steps} steps${config.teacache.enabled ? `, TeaCache ${config.teacache.rel_l1_thresh}` : ', no cache'})`,
      async run(report) {
        const ctx = get()
        let computed = 0
        const progress = (index: number, timestep: number, wasComputed: boolean) => {
          ctx.timesteps[index] = timestep
          if (wasComputed) computed++
          report({ index, total: config.steps, computed, skipped: index + 1 - computed })
        }
        let decide: Decide | null = null
        if (ctx.coefficients) {
          const policy = createPolicy({ coefficients: ctx.coefficients.coefficients, threshold: config.teacache.rel_l1_thresh, numSteps: config.steps })
          ctx.policy = policy
          decide = (index, timestep, distance) => {
            const decision = policy.decide(index, distance)
            progress(index, timestep, decision.computed)
            return decision.computed
          }
        }
        const onStep = decide ? null : (index: number, timestep: number) => progress(index, timestep, true)
        ctx.denoise = await ctx.loaded.engine.denoise(
          {
            prompt: config.prompt, negative_prompt: negative, guidance_scale: config.guidance_scale, image: config.image ?? null,
            seed: config.seed, steps: config.steps, use_dynamic_cfg: config.use_dynamic_cfg,
            height: config.height, width: config.width, frames: config.frames,
          },
          decide,
          onStep,
        )
      },
    },
    {
      title: 'Decode latents to frames',
      async run() {
        const ctx = get()
        ctx.decode = await decodeOrDiscard(join(ctx.runDir, 'frames'), () => ctx.loaded.engine.decode(join(ctx.runDir, 'frames')))
      },
    },
    {
      title: 'Encode video',
      async run() {
        const ctx = get()
        const started = performance.now()
        const video = join(ctx.runDir, 'video.mp4')
        await encodeVideo(join(ctx.runDir, 'frames'), video, config.fps)
        ctx.videoSeconds = (performance.now() - started) / 1000
        ctx.video = 'video.mp4'
      },
    },
  ]
}

/** Write run.json (and error.txt for a failure): the run's outcome, whatever it was. */
export async function finishRun(ctx: RunContext, status: RunStatus, error?: unknown): Promise<RunRecord> {
  const { facts, versions, engine } = ctx.loaded
  const { configPath, name: _name, coefficientsFile: _file, ...config } = ctx.config
  const steps = stepRecords(ctx.policy?.decisions ?? [], ctx.timesteps, ctx.denoise?.step_seconds ?? [])
  const memory = await engine.memory().catch(() => null)
  const timings = {
    load: ctx.loadSeconds,
    encode_prompt: ctx.encodeSeconds,
    denoise: ctx.denoise?.seconds ?? 0,
    decode: ctx.decode ? ctx.decode.seconds + ctx.decode.write_seconds : 0,
    encode_video: ctx.videoSeconds,
    total: 0,
  }
  timings.total = timings.load + timings.encode_prompt + timings.denoise + timings.decode + timings.encode_video
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
    timings_s: timings,
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
