import type { LoadedConfig } from '../config/load.ts'
import { TeacacheError } from '../errors.ts'
import type { Engine } from '../python/bridge.ts'

/**
 * The untimed generation every timing process does first. A process's first generation pays for
 * kernel selection, allocator growth, lazy initialisation and (with compiled blocks) compilation:
 * on the tiny model it took 14x a warm one, enough to report an 8x "speedup" for a 2x schedule.
 * Two denoising steps (the first and last are always computed, so both forwards run) and one
 * decode at the timed runs' shapes settle all of that.
 */
export const WARMUP_STEPS = 2

export interface WarmupRecord {
  seconds: number
  /** Compilation time inside the warm-up (0 without compiled blocks). */
  compile: number
}

export async function warmUp(engine: Engine, config: LoadedConfig): Promise<WarmupRecord> {
  const result = await engine.warmup({
    steps: WARMUP_STEPS, guidance_scale: config.guidance_scale, use_dynamic_cfg: config.use_dynamic_cfg,
    height: config.height, width: config.width, frames: config.frames, compile: config.compile,
  })
  return { seconds: result.seconds, compile: result.compile_seconds }
}

/** Compiled blocks compile on their first call: without a warm-up that would land in a timed run. */
export function checkWarmup(config: Pick<LoadedConfig, 'compile'>, warmup: boolean): void {
  if (!warmup && config.compile === 'blocks') {
    throw new TeacacheError('CONFIG', '--no-warmup: compile: blocks compiles the blocks during the warm-up; without one the first timed run would include compiling. Drop --no-warmup or set compile: none')
  }
}

/** The title shown while it runs. */
export const warmupTitle = (config: Pick<LoadedConfig, 'compile'>) =>
  `Warm up (${WARMUP_STEPS} untimed steps and a decode${config.compile === 'blocks' ? ', compiling the blocks' : ''})`
