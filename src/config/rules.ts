import { promises as fs } from 'node:fs'
import { TeacacheError } from '../errors.ts'
import type { ModelLocation, Task } from '../model/resolve.ts'
import type { ModelFacts } from '../python/engine.ts'
import type { Config } from './schema.ts'

/**
 * Rules that need more than one field, or the model's task: checked before Python starts.
 * Returns `path: message` lines; empty when the config is usable.
 */
export function ruleViolations(config: Config, task: Task): string[] {
  const problems: string[] = []
  if (task === 'i2v' && !config.image) problems.push('image: this model is image-to-video; expected a path to the conditioning image')
  if (task === 't2v' && config.image) problems.push('image: this model is text-to-video and takes no image; remove image or use an I2V model')
  // The CogVideoX VAE compresses time by 4 and keeps the first frame: 4k+1 frames.
  if ((config.frames - 1) % 4 !== 0) {
    const lower = config.frames - ((config.frames - 1) % 4)
    problems.push(`frames: expected 4k+1 frames (e.g. 49 or 81), got ${config.frames}; try ${lower} or ${lower + 4}`)
  }
  if (config.compile === 'blocks' && config.cpu_offload !== 'none') {
    problems.push(`compile: blocks needs cpu_offload: none (offload hooks move each block's weights at call time, which compiled blocks cannot follow); got cpu_offload: ${config.cpu_offload}`)
  }
  // 8x spatial VAE compression, then 2x2 patches.
  for (const key of ['height', 'width'] as const) {
    if (config[key] % 16 !== 0) problems.push(`${key}: expected a multiple of 16 pixels, got ${config[key]}`)
  }
  return problems
}

const IMAGE_SIGNATURES: Array<[string, number[]]> = [
  ['PNG', [0x89, 0x50, 0x4e, 0x47]],
  ['JPEG', [0xff, 0xd8, 0xff]],
  ['GIF', [0x47, 0x49, 0x46, 0x38]],
  ['BMP', [0x42, 0x4d]],
  ['WebP', [0x52, 0x49, 0x46, 0x46]],
]

/** The image must exist, be readable and start like an image file: checked without decoding it. */
export async function checkImage(path: string): Promise<void> {
  let head: Buffer
  try {
    const stat = await fs.stat(path)
    if (!stat.isFile()) throw new TeacacheError('INPUT', `image: ${path} is not a file`)
    const handle = await fs.open(path, 'r')
    try {
      head = Buffer.alloc(12)
      await handle.read(head, 0, 12, 0)
    } finally {
      await handle.close()
    }
  } catch (error) {
    if (error instanceof TeacacheError) throw error
    const code = (error as NodeJS.ErrnoException).code
    throw new TeacacheError('INPUT', `image: ${path} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? (error as Error).message})`}`)
  }
  const known = IMAGE_SIGNATURES.some(([, sig]) => sig.every((byte, i) => head[i] === byte))
  if (!known) throw new TeacacheError('INPUT', `image: ${path} is not a PNG, JPEG, WebP, GIF or BMP image`)
}

export async function checkRunInputs(config: Config, location: ModelLocation): Promise<void> {
  const problems = ruleViolations(config, location.task)
  if (location.kind === 'random' && config.device === 'cpu') {
    problems.push(`device: ${config.model} is the full-size CogVideoX1.5-5B architecture (about 21 GB of weights in bf16) and runs only on a CUDA GPU; use tiny or tiny-i2v on a CPU`)
  }
  if (location.customComponents.length > 0 && !config.trust_remote_code) {
    problems.push(
      `model: ${config.model} has components defined by code inside the checkpoint (${location.customComponents.join(', ')}); ` +
        'teacache runs such code only with trust_remote_code: true in the config',
    )
  }
  if (problems.length > 0) throw new TeacacheError('CONFIG', problems.join('\n'))
  if (config.image) await checkImage(config.image)
}

/**
 * Rules that need the loaded model's facts: the size must fit its positional embeddings.
 * CogVideoX1.5 crops its rotary grid from the sample size; learned embeddings (1.0 I2V) fit one size only.
 * A size that does not fit is refused (CONFIG), every problem on its own line.
 */
export function checkModelFit(config: Config, facts: ModelFacts): void {
  const s = facts.vae_scale_factor_spatial
  const maxHeight = facts.sample_height * s
  const maxWidth = facts.sample_width * s
  const problems: string[] = []
  if (facts.learned_positional_embeddings) {
    if (config.height !== maxHeight || config.width !== maxWidth) problems.push(`height, width: this model has learned positional embeddings and takes only ${maxWidth}x${maxHeight}, got ${config.width}x${config.height}`)
    if (config.frames !== facts.sample_frames) problems.push(`frames: this model has learned positional embeddings and takes only ${facts.sample_frames} frames, got ${config.frames}`)
  } else if (facts.patch_size_t !== null) {
    if (config.height > maxHeight) problems.push(`height: this model takes at most ${maxHeight} pixels (sample_height ${facts.sample_height} x ${s}), got ${config.height}`)
    if (config.width > maxWidth) problems.push(`width: this model takes at most ${maxWidth} pixels (sample_width ${facts.sample_width} x ${s}), got ${config.width}`)
  }
  if (problems.length > 0) throw new TeacacheError('CONFIG', problems.join('\n'))
}
