import { deflateSync, inflateSync } from 'node:zlib'
import { PNG } from 'pngjs'
import { describe, expect, it } from 'vitest'
import { decodeAnyPng, decodePng } from '../../src/quality/png.ts'
import { decodeRgb8 } from '../../src/quality/png-decode.ts'

/** Pixels that make every PNG filter predict something different (gradients, edges, noise). */
function pixels(width: number, height: number, channels: number): Buffer {
  const data = Buffer.alloc(width * height * channels)
  for (let i = 0; i < data.length; i++) {
    const x = Math.floor(i / channels) % width
    const y = Math.floor(i / channels / width)
    data[i] = (x * 7 + y * 13 + ((x * y + i) % 11) * 23 + (x > width / 2 ? 90 : 0)) % 256
  }
  return data
}

function encode(width: number, height: number, colorType: 0 | 2 | 6, filterType: number, bitDepth: 8 | 16 = 8): { png: Buffer; rgb: Uint8Array } {
  const channels = colorType === 6 ? 4 : colorType === 2 ? 3 : 1
  const bytes8 = pixels(width, height, channels)
  // pngjs takes 16-bit input as native 16-bit samples.
  const data = bitDepth === 16 ? Buffer.from(Uint16Array.from(bytes8, (v) => v * 257).buffer) : bytes8
  const png = new PNG({ width, height, colorType, inputColorType: colorType, inputHasAlpha: colorType === 6, bitDepth })
  png.data = data
  const bytes = PNG.sync.write(png, { colorType, inputColorType: colorType, inputHasAlpha: colorType === 6, filterType, bitDepth })
  const rgb = new Uint8Array(width * height * 3)
  for (let p = 0; p < width * height; p++) for (let c = 0; c < 3; c++) rgb[p * 3 + c] = bytes8[p * channels + (channels === 1 ? 0 : c)]
  return { png: bytes, rgb }
}

/** The same PNG with its one IDAT chunk split in two (CRCs zeroed: the direct decoder does not read them). */
function splitIdat(png: Buffer): Buffer {
  const chunks: Buffer[] = [png.subarray(0, 8)]
  for (let pos = 8; pos < png.length; ) {
    const length = png.readUInt32BE(pos)
    const type = png.toString('latin1', pos + 4, pos + 8)
    const chunk = png.subarray(pos, pos + 12 + length)
    if (type === 'IDAT' && length > 2) {
      const data = chunk.subarray(8, 8 + length)
      for (const part of [data.subarray(0, length >> 1), data.subarray(length >> 1)]) {
        const head = Buffer.alloc(8)
        head.writeUInt32BE(part.length)
        head.write('IDAT', 4, 'latin1')
        chunks.push(head, part, Buffer.alloc(4))
      }
    } else chunks.push(chunk)
    pos += 12 + length
  }
  return Buffer.concat(chunks)
}

describe('direct PNG decoding', () => {
  const cases = [0, 1, 2, 3, 4, -1].flatMap((filterType) => [
    { colour: 'RGB', colorType: 2 as const, filterType, width: 37, height: 23 },
    { colour: 'RGBA', colorType: 6 as const, filterType, width: 37, height: 23 },
  ])
  it.each(cases)('$colour, filter $filterType: the same pixels as pngjs', ({ colorType, filterType, width, height }) => {
    const { png, rgb } = encode(width, height, colorType, filterType)
    const direct = decodeRgb8(png)
    expect(direct).toEqual({ width, height, rgb })
    expect(direct).toEqual(decodeAnyPng(png))
  })

  it('joins pixel data split over several IDAT chunks', () => {
    const { png, rgb } = encode(40, 30, 2, -1)
    expect(decodeRgb8(splitIdat(png))).toEqual({ width: 40, height: 30, rgb })
  })

  it.each([
    { name: 'greyscale', make: () => encode(9, 7, 0, -1) },
    { name: '16-bit RGB', make: () => encode(9, 7, 2, -1, 16) },
  ])('leaves $name to pngjs, and decodePng still reads it', ({ make }) => {
    const { png, rgb } = make()
    expect(decodeRgb8(png)).toBeNull()
    expect(decodePng(png)).toEqual({ width: 9, height: 7, rgb })
  })

  it('returns null for what is not a PNG, so the caller gets pngjs\'s own error', () => {
    expect(decodeRgb8(Buffer.from('definitely not a png, just some text'))).toBeNull()
    expect(() => decodePng(Buffer.from('definitely not a png, just some text'))).toThrow()
  })

  it.each([
    { name: 'a truncated file', damage: (png: Buffer) => png.subarray(0, png.length - 40), error: /runs past the end|ends before/ },
    { name: 'damaged pixel data', damage: (png: Buffer) => { const copy = Buffer.from(png); for (let i = 60; i < 90; i++) copy[i] ^= 0x5a; return copy }, error: /./ },
  ])('refuses $name', ({ damage, error }) => {
    const { png } = encode(40, 30, 2, 1)
    expect(() => decodeRgb8(damage(png))).toThrow(error)
  })

  it('refuses an unknown row filter', () => {
    const { png } = encode(4, 2, 2, 0)
    // Re-deflate the rows with the first filter byte set to 9.
    const at = png.indexOf('IDAT', 0, 'latin1')
    const length = png.readUInt32BE(at - 4)
    const raw = Buffer.from(inflateSync(png.subarray(at + 4, at + 4 + length)))
    raw[0] = 9
    const data = deflateSync(raw)
    const head = Buffer.alloc(8)
    head.writeUInt32BE(data.length)
    head.write('IDAT', 4, 'latin1')
    const broken = Buffer.concat([png.subarray(0, at - 4), head, data, Buffer.alloc(4), png.subarray(at + 8 + length)])
    expect(() => decodeRgb8(broken)).toThrow(/row 0 has unknown filter type 9/)
  })
})
