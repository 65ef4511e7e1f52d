import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { PNG } from 'pngjs'
import { decodeRgb8 } from './png-decode.ts'
import type { Frame } from './frame.ts'

/** One decoded frame as tightly packed 8-bit RGB (alpha, if any, dropped). */
export type { Frame } from './frame.ts'

/** `into` may receive the pixels of teacache's own PNGs instead of a new array (see pair.ts). */
export function decodePng(buffer: Buffer, into?: Uint8Array): Frame {
  return decodeRgb8(buffer, into) ?? decodeAnyPng(buffer)
}

/** Every other PNG (grey, palette, 16-bit, interlaced) through pngjs. */
export function decodeAnyPng(buffer: Buffer): Frame {
  // pngjs hands back RGBA for every colour type and bit depth; 16-bit input is scaled to 8 bits.
  const png = PNG.sync.read(buffer)
  const rgb = new Uint8Array(png.width * png.height * 3)
  for (let i = 0, j = 0; i < png.data.length; i += 4, j += 3) {
    rgb[j] = png.data[i]
    rgb[j + 1] = png.data[i + 1]
    rgb[j + 2] = png.data[i + 2]
  }
  return { width: png.width, height: png.height, rgb }
}

export function encodePng(frame: Frame): Buffer {
  const png = new PNG({ width: frame.width, height: frame.height, colorType: 2, inputColorType: 2, inputHasAlpha: false })
  png.data = Buffer.from(frame.rgb)
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false })
}

/** The numbered frame files of a run folder's frames/, in order. */
export async function listFrames(dir: string): Promise<string[]> {
  const names = (await fs.readdir(dir)).filter((name) => /^frame_\d+\.png$/.test(name)).sort()
  return names.map((name) => join(dir, name))
}
