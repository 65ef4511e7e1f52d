import { createRequire } from 'node:module'
import { rename, rm } from 'node:fs/promises'
import { dirname, join, basename } from 'node:path'
import { execa } from 'execa'
import { TeacacheError } from '../errors.ts'
import { spaceError, type SpaceCode } from '../util/disk.ts'

/** FFMPEG_PATH when set (a system ffmpeg), else the binary shipped inside @ffmpeg-installer/ffmpeg. */
export function ffmpegPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FFMPEG_PATH) return env.FFMPEG_PATH
  try {
    return (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path
  } catch (error) {
    throw new TeacacheError('FFMPEG', `no ffmpeg: @ffmpeg-installer/ffmpeg has no binary for ${process.platform}-${process.arch}; set FFMPEG_PATH (${(error as Error).message})`)
  }
}

export const FRAME_PATTERN = 'frame_%05d.png'

/**
 * Encode a folder of numbered PNG frames into an H.264 MP4 that browsers play (yuv420p,
 * even dimensions, moov atom first). Written under a temporary name and renamed, so a failed
 * encode never leaves a truncated video.
 */
export async function encodeVideo(framesDir: string, output: string, fps: number, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const binary = ffmpegPath(env)
  const tmp = join(dirname(output), `.${basename(output, '.mp4')}.partial.mp4`)
  const args = [
    '-y', '-hide_banner', '-loglevel', 'error',
    '-framerate', String(fps),
    '-i', join(framesDir, FRAME_PATTERN),
    '-vf', 'pad=ceil(iw/2)*2:ceil(ih/2)*2',
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-crf', '18', '-preset', 'medium',
    '-movflags', '+faststart',
    tmp,
  ]
  try {
    const result = await execa(binary, args, { stdin: 'ignore' })
    // ffmpeg exits 0 when the disk fills while it writes the trailer (a cut-short file): its message is the only sign.
    if (spaceInOutput(result.stderr)) throw Object.assign(new Error('ffmpeg could not finish writing'), { stderr: result.stderr })
    await rename(tmp, output)
  } catch (error) {
    await rm(tmp, { force: true })
    const e = error as { code?: string; stderr?: string; shortMessage?: string }
    const space = spaceInOutput(e.stderr)
    if (space) throw spaceError(space, dirname(output), `encoding ${basename(output)} (the lossless frames are kept)`)
    const why = e.code === 'ENOENT' ? `ffmpeg not found at ${binary}` : (e.stderr?.trim() || e.shortMessage || String(error))
    throw new TeacacheError('FFMPEG', `encoding ${output} failed: ${why}. The lossless frames are kept in ${framesDir}`)
  }
}

/** ffmpeg reports a full disk only in its messages (strerror text), and not always with a failing exit code. */
export function spaceInOutput(stderr: string | undefined): SpaceCode | null {
  if (!stderr) return null
  if (/No space left on device/i.test(stderr)) return 'ENOSPC'
  if (/Disk quota exceeded/i.test(stderr)) return 'EDQUOT'
  if (/File too large/i.test(stderr)) return 'EFBIG'
  return null
}
