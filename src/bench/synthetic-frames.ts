import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { PNG } from 'pngjs'

/**
 * A reference video and a slightly different candidate as frame folders, for timing the quality
 * metrics without a model. The content is deterministic: slow colour gradients that drift from
 * frame to frame, plus per-pixel grain so the PNGs are as large as detailed frames, not flat
 * colour (about 1.8 MB a 1360x768 frame; PIL at compress_level=1, as python/teacache/generate.py
 * saves frames, gave 1.95 MB for such content). The candidate adds a small smooth shift and
 * its own grain, as a TeaCache video differs from its baseline (PSNR around 40 dB).
 */
export interface SyntheticVideo {
  frames: number
  width: number
  height: number
}

export interface SyntheticPair {
  reference: string
  candidate: string
  /** Bytes of PNG written, both folders. */
  bytes: number
}

/** Frame f of the reference (candidate false) or the candidate, as packed RGB. */
export function syntheticFrame(video: SyntheticVideo, f: number, candidate: boolean): Uint8Array {
  const { width, height } = video
  // Clamped storage rounds and clips on assignment.
  const rgb = new Uint8ClampedArray(width * height * 3)
  // Separable terms precomputed per frame: the per-pixel work stays a few additions.
  const red = Float64Array.from({ length: width }, (_, x) => 128 + 90 * Math.sin((x + 4 * f) / 190))
  const redRow = Float64Array.from({ length: height }, (_, y) => 25 * Math.cos(y / 120))
  const green = Float64Array.from({ length: height }, (_, y) => 128 + 80 * Math.cos((y - 3 * f) / 150))
  const greenCol = Float64Array.from({ length: width }, (_, x) => 20 * Math.sin(x / 300))
  const blue = Float64Array.from({ length: width + height }, (_, d) => 120 + 70 * Math.sin(d / 260 + f / 9))
  const shift = Float64Array.from({ length: width + height }, (_, d) => (candidate ? 1.5 * Math.sin((d + 5 * f) / 97) : 0))
  // xorshift32 seeded per frame, the same on every machine: the grain both videos share, then the candidate's own.
  let grain = (0x9e3779b9 ^ Math.imul(f + 1, 0x27d4eb2f)) >>> 0 || 1
  let own = (0x85ebca6b ^ Math.imul(f + 1, 0x165667b1)) >>> 0 || 1
  const wobble = candidate ? 6 : 0
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i += 3) {
      const d = x + y
      grain ^= grain << 13
      grain ^= grain >>> 17
      grain ^= grain << 5
      own ^= own << 13
      own ^= own >>> 17
      own ^= own << 5
      // Three 10-bit samples from each draw, each in [-0.5, 0.5).
      const g = grain >>> 0
      const o = own >>> 0
      const base = shift[d]
      rgb[i] = red[x] + redRow[y] + base + ((g & 1023) / 1024 - 0.5) * 12 + ((o & 1023) / 1024 - 0.5) * wobble
      rgb[i + 1] = green[y] + greenCol[x] + base + (((g >>> 10) & 1023) / 1024 - 0.5) * 12 + (((o >>> 10) & 1023) / 1024 - 0.5) * wobble
      rgb[i + 2] = blue[d] + base + (((g >>> 20) & 1023) / 1024 - 0.5) * 12 + (((o >>> 20) & 1023) / 1024 - 0.5) * wobble
    }
  }
  return new Uint8Array(rgb.buffer)
}

/** PNG as python/teacache/generate.py writes it (PIL, compress_level=1: fast deflate, rows mostly "Up"-filtered). */
export function encodeFramePng(rgb: Uint8Array, width: number, height: number): Buffer {
  const options = { colorType: 2, inputColorType: 2, inputHasAlpha: false, filterType: 2, deflateLevel: 1 } as const
  const png = new PNG({ width, height, ...options })
  png.data = Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength)
  return PNG.sync.write(png, options)
}

export async function writeSyntheticPair(dir: string, video: SyntheticVideo): Promise<SyntheticPair> {
  const pair = { reference: join(dir, 'reference'), candidate: join(dir, 'candidate'), bytes: 0 }
  await Promise.all([fs.mkdir(pair.reference, { recursive: true }), fs.mkdir(pair.candidate, { recursive: true })])
  for (let f = 0; f < video.frames; f++) {
    const name = `frame_${String(f).padStart(5, '0')}.png`
    for (const [folder, candidate] of [[pair.reference, false], [pair.candidate, true]] as const) {
      const png = encodeFramePng(syntheticFrame(video, f, candidate), video.width, video.height)
      await fs.writeFile(join(folder, name), png)
      pair.bytes += png.length
    }
  }
  return pair
}
