import type { DenoiseArgs } from '../python/engine.ts'

/**
 * The one place a generation request is built: every command that denoises (run, sweep, calibrate,
 * bench) turns its settings into this record, so a field added to the request is added once.
 */
/** What a request is made from: a config, or a bench's fixed setting (negative prompt, image and method optional). */
export type RequestSettings = Omit<DenoiseArgs, 'negative_prompt' | 'image' | 'method' | 'record_outputs'> &
  Partial<Pick<DenoiseArgs, 'negative_prompt' | 'image' | 'method'>>

export function denoiseRequest(settings: RequestSettings, options: { recordOutputs?: boolean } = {}): DenoiseArgs {
  return {
    prompt: settings.prompt,
    negative_prompt: settings.negative_prompt ?? null,
    guidance_scale: settings.guidance_scale,
    image: settings.image ?? null,
    seed: settings.seed,
    steps: settings.steps,
    use_dynamic_cfg: settings.use_dynamic_cfg,
    height: settings.height,
    width: settings.width,
    frames: settings.frames,
    generator: settings.generator,
    compile: settings.compile,
    method: settings.method ?? null,
    ...(options.recordOutputs ? { record_outputs: true } : {}),
  }
}

export type { DenoiseArgs, Decide, Engine, ModelFacts } from '../python/engine.ts'
