import { join } from 'node:path'
import type { LoadedConfig } from '../config/load.ts'
import { TeacacheError } from '../errors.ts'
import { createPolicy, type Policy } from '../policy/teacache.ts'
import type { DenoiseResult, Decide } from '../python/engine.ts'
import { encodeVideo } from '../video/ffmpeg.ts'
import type { RunContext } from './context.ts'
import { decodeOrDiscard } from './frames.ts'
import type { RepeatTiming } from './record.ts'
import { denoiseRequest } from './request.ts'

export { createRunContext, type RunContext } from './context.ts'
export { finishRun, recordOf } from './finish.ts'

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

/**
 * The tasks of one generation. They read the context through `get` because a command lists its
 * tasks before the model has loaded and the context exists. A sweep's method run names its method
 * (`methodTitle`): the titles live with the methods, which `run` never loads.
 */
export function runTasks(config: LoadedConfig, get: () => RunContext, methodTitle?: string): RunTask[] {
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
      title: `Denoise (${config.steps} steps${methodTitle ? `, ${methodTitle}` : config.teacache.enabled ? `, TeaCache ${config.teacache.rel_l1_thresh}` : ', no cache'}${config.compile === 'blocks' ? ', compiled blocks' : ''})`,
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
  return { policy, result: await ctx.loaded.engine.denoise(denoiseRequest(config), decide, onStep) }
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
