import type { LoadedConfig } from '../config/load.ts'
import type { RunSpec } from './grid.ts'

/**
 * A run's config: the sweep's, with this run's prompt, seed and threshold (null: TeaCache off),
 * or TeaCache off and one of diffusers' caches. Only method runs carry a `method` key, so the
 * fingerprints of baseline and TeaCache runs are what they were. Kept apart from the runner: a
 * report works out every cell's settings from it and need not load what runs a sweep.
 */
export function runConfig(base: LoadedConfig, spec: RunSpec, sweepDir: string): LoadedConfig {
  const teacache = spec.threshold === null ? { ...base.teacache, enabled: false } : { ...base.teacache, enabled: true, rel_l1_thresh: spec.threshold }
  const method = spec.method ? { method: { name: spec.method.method, params: spec.method.params } } : {}
  return { ...base, prompt: spec.prompt, seed: spec.seed, compile: spec.compile, output: sweepDir, sweep: undefined, teacache, ...method }
}
