import { randomBytes } from 'node:crypto'
import { promises as fs } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { execa } from 'execa'
import { TeacacheError } from '../errors.ts'
import { encodePng } from '../quality/png.ts'
import { spaceError } from '../util/disk.ts'
import { scratchDir } from '../util/fs.ts'
import { FRAME_PATTERN, ffmpegPath, spaceInOutput } from '../video/ffmpeg.ts'
import { labelHeight, renderLabel } from './label.ts'

/**
 * The side-by-side comparison video: the baseline and every threshold of one prompt and seed,
 * tiled in a grid, each tile under its label, made by ffmpeg from the runs' lossless frames.
 */
export interface Tile {
  label: string
  framesDir: string
}

export interface Layout {
  tileWidth: number
  tileHeight: number
  labelHeight: number
  labelScale: number
  columns: number
  rows: number
  /** ffmpeg scaler: neighbour for small videos blown up (keeps pixels crisp), area for shrinking. */
  flags: 'neighbor' | 'area'
}

const MIN_TILE = 192
const MAX_TILE = 480
const even = (x: number) => Math.max(2, 2 * Math.round(x / 2))

export function layoutFor(width: number, height: number, tiles: number): Layout {
  let tileWidth = width
  let flags: Layout['flags'] = 'area'
  if (width < MIN_TILE) {
    tileWidth = width * Math.ceil(MIN_TILE / width)
    flags = 'neighbor'
  } else if (width > MAX_TILE) {
    tileWidth = MAX_TILE
  }
  tileWidth = even(tileWidth)
  const tileHeight = even((height * tileWidth) / width)
  const labelScale = Math.max(1, Math.floor(tileWidth / 160))
  const columns = Math.ceil(Math.sqrt(tiles))
  return { tileWidth, tileHeight, labelHeight: labelHeight(labelScale), labelScale, columns, rows: Math.ceil(tiles / columns), flags }
}

/** The filter graph: inputs 2i (frames) and 2i+1 (label PNG) for tile i; output [out]. */
export function filterGraph(count: number, layout: Layout): string {
  const { tileWidth: w, tileHeight: h, labelHeight: lh, columns, rows, flags } = layout
  const parts: string[] = []
  for (let i = 0; i < count; i++) {
    parts.push(`[${2 * i}:v]scale=${w}:${h}:flags=${flags},pad=${w}:${h + lh}:0:${lh}:black[b${i}]`)
    // A single-image input ends after one frame; overlay repeats its last frame by default.
    parts.push(`[b${i}][${2 * i + 1}:v]overlay=0:0[v${i}]`)
  }
  for (let r = 0; r < rows; r++) {
    const tiles = Array.from({ length: columns }, (_, c) => r * columns + c).filter((i) => i < count)
    const joined = tiles.length > 1 ? `${tiles.map((i) => `[v${i}]`).join('')}hstack=inputs=${tiles.length}` : `[v${tiles[0]}]null`
    const padded = tiles.length < columns ? `,pad=${columns * w}:${h + lh}:0:0:black` : ''
    parts.push(`${joined}${padded}[r${r}]`)
  }
  parts.push(rows > 1 ? `${Array.from({ length: rows }, (_, r) => `[r${r}]`).join('')}vstack=inputs=${rows}[out]` : '[r0]null[out]')
  return parts.join(';')
}

export async function makeComparisonVideo(tiles: Tile[], options: { output: string; fps: number; width: number; height: number }): Promise<void> {
  if (tiles.length === 0) throw new RangeError('a comparison needs at least one tile')
  const layout = layoutFor(options.width, options.height, tiles.length)
  const work = await scratchDir('teacache-compare-', dirname(options.output))
  // Unique per writer: shards sharing a folder may regenerate the same video at the same moment.
  const tmp = join(dirname(options.output), `.${basename(options.output, '.mp4')}.${process.pid}-${randomBytes(3).toString('hex')}.partial.mp4`)
  try {
    const inputs: string[] = []
    for (const [i, tile] of tiles.entries()) {
      const label = join(work, `label-${i}.png`)
      await fs.writeFile(label, encodePng(renderLabel(tile.label, layout.tileWidth, layout.labelScale)))
      inputs.push('-framerate', String(options.fps), '-i', join(tile.framesDir, FRAME_PATTERN), '-i', label)
    }
    const result = await execa(ffmpegPath(), [
      '-y', '-hide_banner', '-loglevel', 'error', ...inputs,
      '-filter_complex', filterGraph(tiles.length, layout), '-map', '[out]',
      '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-crf', '18', '-preset', 'medium', '-movflags', '+faststart',
      tmp,
    ], { stdin: 'ignore' })
    const space = spaceInOutput(result.stderr)
    if (space) throw spaceError(space, dirname(options.output), `writing ${basename(options.output)}`)
    await fs.rename(tmp, options.output)
  } catch (error) {
    await fs.rm(tmp, { force: true })
    if (error instanceof TeacacheError) throw error
    const e = error as { stderr?: string; shortMessage?: string }
    throw new TeacacheError('FFMPEG', `comparison video ${options.output} failed: ${e.stderr?.trim() || e.shortMessage || String(error)}`)
  } finally {
    await fs.rm(work, { recursive: true, force: true })
  }
}
