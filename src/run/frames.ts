import { removeFrames } from './safe-force.ts'

/**
 * A decode that fails leaves no frames behind: a partial set, or a frame cut short by a full
 * disk, must never pass for a result (quality metrics read every frame under its final name).
 * The folder is this run's own, made empty under its lock, so only frames are removed; freeing
 * them also leaves room on a full disk for run.json to record the failure.
 */
export async function decodeOrDiscard<T>(framesDir: string, decode: () => Promise<T>): Promise<T> {
  try {
    return await decode()
  } catch (error) {
    await removeFrames(framesDir).catch(() => {})
    throw error
  }
}
