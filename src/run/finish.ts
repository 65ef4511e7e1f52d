import { promises as fs } from 'node:fs'
import { arch, platform } from 'node:os'
import { join } from 'node:path'
import { TeacacheError } from '../errors.ts'
import type { Memory } from '../python/engine.ts'
import { writeFileAtomic, writeJsonAtomic } from '../util/fs.ts'
import type { RunContext } from './context.ts'
import { wherePlaced } from './placement.ts'
import { countSteps, pickModel, stepRecords, type RunRecord, type RunStatus } from './record.ts'
import packageJson from '../../package.json' with { type: 'json' }

/** Write run.json (and error.txt for a failure): the run's outcome, whatever it was. */
export async function finishRun(ctx: RunContext, status: RunStatus, error?: unknown): Promise<RunRecord> {
  const memory = await ctx.loaded.engine.memory().catch(() => null)
  const record = recordOf(ctx, { status, error, memory, finishedAt: new Date() })
  await fs.mkdir(ctx.runDir, { recursive: true })
  if (error instanceof TeacacheError && error.details) await writeFileAtomic(join(ctx.runDir, 'error.txt'), error.details)
  await writeJsonAtomic(join(ctx.runDir, 'run.json'), record)
  return record
}

/** The run.json record of a generation's results (pure: everything it says comes from its arguments). */
export function recordOf(ctx: RunContext, end: { status: RunStatus; error?: unknown; memory: Memory | null; finishedAt: Date }): RunRecord {
  const { facts, versions } = ctx.loaded
  const { configPath, name: _name, coefficientsFile: _file, ...config } = ctx.config
  const steps = stepRecords(ctx.policy?.decisions ?? [], ctx.timesteps, ctx.denoise?.step_seconds ?? [], ctx.denoise?.compute ?? null, ctx.denoise?.distances ?? [])
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
  }
  // compile is part of the warm-up's time, and vae part of decode's: counted once.
  const repeatSeconds = ctx.repeats.slice(1).reduce((sum, r) => sum + r.denoise + r.decode, 0)
  const total = timings.load + timings.warmup + timings.encode_prompt + timings.denoise + timings.decode + timings.write_frames + repeatSeconds + timings.encode_video
  return {
    format: 'teacache-run/1',
    status: end.status,
    error: end.error === undefined ? null : describeError(end.error),
    started_at: ctx.startedAt.toISOString(),
    finished_at: end.finishedAt.toISOString(),
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
    timings_s: { ...timings, total },
    repeats: ctx.repeats,
    ...(ctx.session ? { timing: { sessions: [{ ...ctx.session }] } } : {}),
    worker: wherePlaced(facts.device, facts.device_name),
    memory: end.memory,
    output: {
      video: ctx.video,
      frames_dir: ctx.decode ? 'frames' : null,
      frames: ctx.decode?.frames ?? 0,
      height: ctx.decode?.height ?? 0,
      width: ctx.decode?.width ?? 0,
    },
  }
}

function describeError(error: unknown): { code: string; message: string } {
  if (error instanceof TeacacheError) return { code: error.code, message: error.message }
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) }
}
