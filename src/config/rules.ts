import { promises as fs } from 'node:fs'
import { TeacacheError } from '../errors.ts'
import type { Task } from '../model/resolve.ts'
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

export async function checkRunInputs(config: Config, task: Task): Promise<void> {
  const problems = ruleViolations(config, task)
  if (problems.length > 0) throw new TeacacheError('CONFIG', problems.join('\n'))
  if (config.image) await checkImage(config.image)
}
