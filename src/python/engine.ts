/**
 * What crosses the bridge, as TypeScript sees it: the engine's calls and the small records they
 * return. Types only, so the commands and tests that use them never load pythonia.
 */
import type { ArchitectureFacts } from '../policy/presets.ts'

/** torch and diffusers: the versions the model was loaded with. */
export interface ModelFacts extends ArchitectureFacts, Pick<Versions, 'torch' | 'diffusers'> {
  model: string
  source: string
  pipeline_class: string
  attention_head_dim: number
  in_channels: number
  patch_size: number
  patch_size_t: number | null
  ofs_embed_dim: number | null
  max_text_seq_length: number
  /** Latent sample size the transformer was configured with (bounds its positional embeddings). */
  sample_height: number
  sample_width: number
  sample_frames: number
  learned_positional_embeddings: boolean
  rotary_positional_embeddings: boolean
  vae_scale_factor_spatial: number
  vae_scale_factor_temporal: number
  device: string
  device_name: string
  dtype: string
  threads: number
  pid: number
}

export interface Versions {
  python: string
  torch: string
  diffusers: string
  transformers: string
  problems: string[]
}

export interface LoadOptions {
  model: string
  device: string
  dtype: string
  vae_slicing: boolean
  vae_tiling: boolean
  cpu_offload: string
  threads: number
  trust_remote_code: boolean
}

export interface DenoiseArgs {
  prompt: string
  negative_prompt: string | null
  guidance_scale: number
  image: string | null
  seed: number
  steps: number
  use_dynamic_cfg: boolean
  height: number
  width: number
  frames: number
  /** Record the transformer output's relative L1 change per step (calibration; costs a sync a step). */
  record_outputs?: boolean
  /** Where the initial noise is drawn: "cpu" or the pipeline's "device". */
  generator: 'cpu' | 'device'
  compile: 'none' | 'blocks'
  /** One of diffusers' caches instead of TeaCache (then `decide` is null); sent as JSON text. */
  method?: { name: string; params: Record<string, unknown> } | null
}

/** The untimed generation before a process's first timed one (same device and shapes). */
export type WarmupArgs = Pick<DenoiseArgs, 'steps' | 'guidance_scale' | 'use_dynamic_cfg' | 'height' | 'width' | 'frames' | 'compile'>

export interface WarmupResult extends Pick<DenoiseResult, 'seconds' | 'step_seconds'> {
  decode_seconds: number
  /** The first warm-up step's time beyond the second's when the compiled blocks ran for the first time. */
  compile_seconds: number
}

export interface DenoiseResult {
  seconds: number
  step_seconds: number[]
  /** How often the patched forward really ran the transformer blocks; null when unpatched. */
  block_loops: number | null
  /** Relative L1 change of the transformer output per step (null at step 0), when recorded. */
  output_changes: Array<number | null> | null
  /**
   * The raw indicator distance per step (null at step 0), measured beside diffusers' own forward
   * (bit for bit what the TeaCache forward measures); null when the TeaCache forward ran, which
   * hands each distance to the policy instead.
   */
  distances: Array<number | null> | null
  /** The work that really ran inside the blocks (null with compiled blocks: not counted there). */
  compute?: ComputeCounts | null
  /** MagCache's residual magnitude ratio per step (1 at step 0), when outputs were recorded. */
  residual_ratios?: number[] | null
}

/** Batch rows through each part of the transformer: a cache that skips a part shows as fewer rows. */
export interface WorkCounts {
  /** Rows into the transformer (2 per step with classifier-free guidance): the full amount. */
  input_rows: number
  /** Block bodies that ran. */
  block_calls: number
  block_rows: number
  attention_rows: number
  feedforward_rows: number
}

export interface ComputeCounts extends WorkCounts {
  layers: number
  steps: WorkCounts[]
}

export interface IndicatorTrace {
  timesteps: number[]
  /** Raw indicator distance per step; null at step 0. */
  distances: Array<number | null>
}

export interface DecodeResult {
  /** VAE decode plus the conversion to 8-bit frames in host memory. */
  seconds: number
  vae_seconds: number
  /** Writing the PNG frames (0 when none were asked for). */
  write_seconds: number
  frames: number
  height: number
  width: number
}

export interface Memory {
  device_peak_bytes: number | null
  host_peak_rss_bytes: number
}

export interface LpipsArgs {
  reference: string
  candidate: string
  /** torchvision's ImageNet AlexNet state dict, and lpips' v0.1 linear layers. */
  alexnet: string
  linear: string
}

export interface LpipsResult {
  frames: number
  mean: number
  per_frame: number[]
}

/** Asked once per denoising step: compute the transformer blocks (true) or reuse residuals. */
export type Decide = (index: number, timestep: number, distance: number | null) => boolean
export type OnStep = (index: number, timestep: number) => void

export interface Engine {
  readonly pid: number
  versions(): Promise<Versions>
  load(options: LoadOptions): Promise<ModelFacts & { seconds: number }>
  encodePrompt(prompt: string, negativePrompt: string | null, guidanceScale: number): Promise<{ seconds: number; cached: boolean }>
  warmup(args: WarmupArgs, decide?: Decide | null, onStep?: OnStep | null): Promise<WarmupResult>
  denoise(args: DenoiseArgs, decide: Decide | null, onStep: OnStep | null): Promise<DenoiseResult>
  /** Decode the last denoise into PNG frames in framesDir; null decodes and converts without writing (timing repeats). */
  decode(framesDir: string | null): Promise<DecodeResult>
  /** Why one of diffusers' caches cannot work on the loaded transformer; null when it can. */
  checkMethod(name: string, params: Record<string, unknown>, steps: number): Promise<string | null>
  /** The timesteps and indicator distances a run with `steps` steps would measure, without denoising. */
  indicatorTrace(steps: number, guidanceScale: number): Promise<IndicatorTrace>
  /** Seconds per Python -> TypeScript callback, measured in Python: the per-step bridge cost. */
  bridgeRoundtrip(callback: Decide, calls: number): Promise<number[]>
  memory(): Promise<Memory>
  /** LPIPS (v0.1, AlexNet) of every frame pair of two frame folders, from the two weight files (src/quality/lpips.ts). */
  lpips(args: LpipsArgs): Promise<LpipsResult>
  /** Stop Python (idempotent). The bridge cannot be restarted in this Node process. */
  close(): Promise<void>
}
