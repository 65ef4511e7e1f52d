import type { LoadedConfig } from '../config/load.ts'
import { TeacacheError } from '../errors.ts'
import { createPolicy } from '../policy/teacache.ts'
import type { Decide, Engine, OnStep } from '../python/engine.ts'

/**
 * The untimed work every timing process does first. A process's first generation pays for kernel
 * selection, allocator growth, lazy initialisation and (with compiled blocks) compilation: on the
 * tiny model it took 14x a warm one, enough to report an 8x "speedup" for a 2x schedule. Two
 * denoising steps (the first and last are always computed, so both forwards run) and one decode
 * at the timed runs' shapes settle all of that.
 *
 * What they do not settle is the host side of a short step. On the H100 the tiny model's step is
 * ~6 ms of Python, bridge callbacks and kernel launches, and it kept getting faster through a
 * whole sweep (8.1 ms a step in the first group, 6.5 ms in the second: baselines 16% apart).
 * So the warm-up goes on, with generations of the timed step count that take the timed paths
 * (the TeaCache forward deciding through the policy, and the stock forward reporting each step),
 * until WARMUP_MIN_SECONDS have passed. A full-size generation is past that after its first
 * warm-up (33 s on the H100): there the warm-up stays one short generation.
 */
export const WARMUP_STEPS = 2
export const WARMUP_MIN_SECONDS = 2
export const WARMUP_MAX_GENERATIONS = 20

export interface WarmupRecord {
  seconds: number
  /** Compilation time inside the warm-up (0 without compiled blocks). */
  compile: number
}

export interface WarmupPaths {
  /** Whether the timed runs use the TeaCache forward (its policy deciding every step). */
  teacache: boolean
}

export async function warmUp(engine: Engine, config: LoadedConfig, paths: WarmupPaths = { teacache: config.teacache.enabled && !config.method }): Promise<WarmupRecord> {
  const shapes = {
    guidance_scale: config.guidance_scale, use_dynamic_cfg: config.use_dynamic_cfg,
    height: config.height, width: config.width, frames: config.frames, compile: config.compile,
  }
  const first = await engine.warmup({ ...shapes, steps: WARMUP_STEPS })
  const record = { seconds: first.seconds, compile: first.compile_seconds }
  for (let g = 1; g < WARMUP_MAX_GENERATIONS && record.seconds < WARMUP_MIN_SECONDS; g++) {
    const teacache = paths.teacache && g % 2 === 1
    const result = await engine.warmup({ ...shapes, steps: config.steps }, teacache ? computeEveryStep(config.steps) : null, teacache ? null : ignoreStep)
    record.seconds += result.seconds
  }
  return record
}

/** The policy at threshold 0: it runs every line of a real decision and computes every step. */
function computeEveryStep(steps: number): Decide {
  const policy = createPolicy({ coefficients: [0, 0, 0, 1, 0], threshold: 0, numSteps: steps })
  return (index, _timestep, distance) => policy.decide(index, distance).computed
}

const ignoreStep: OnStep = () => {}

/** Compiled blocks compile on their first call: without a warm-up that would land in a timed run. */
export function checkWarmup(config: Pick<LoadedConfig, 'compile'>, warmup: boolean): void {
  if (!warmup && config.compile === 'blocks') {
    throw new TeacacheError('CONFIG', '--no-warmup: compile: blocks compiles the blocks during the warm-up; without one the first timed run would include compiling. Drop --no-warmup or set compile: none')
  }
}

/** The title shown while it runs. */
export const warmupTitle = (config: Pick<LoadedConfig, 'compile'>) =>
  `Warm up (${WARMUP_STEPS} untimed steps and a decode${config.compile === 'blocks' ? ', compiling the blocks' : ''}, then untimed generations until ${WARMUP_MIN_SECONDS} s have passed)`
