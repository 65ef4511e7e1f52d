import type { Frame } from '../quality/png.ts'
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from './font.ts'

/**
 * A label strip for one tile of the comparison video: white bitmap text on black, `scale`
 * pixels per font pixel, cut off (with the last visible character replaced) if it is too wide.
 */
export function labelHeight(scale: number): number {
  // Glyph plus a margin above and below; even, because yuv420p needs even frame heights.
  const h = (GLYPH_HEIGHT + 4) * scale
  return h % 2 === 0 ? h : h + 1
}

export function renderLabel(text: string, width: number, scale: number): Frame {
  const height = labelHeight(scale)
  const rgb = new Uint8Array(width * height * 3)
  const advance = (GLYPH_WIDTH + 1) * scale
  const margin = 2 * scale
  const fits = Math.max(0, Math.floor((width - margin) / advance))
  const shown = text.length > fits ? `${text.slice(0, Math.max(0, fits - 1))}-` : text
  for (const [i, char] of [...shown].entries()) {
    const rows = glyph(char)
    for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
      for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
        if (!rows[gy][gx]) continue
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const x = margin + i * advance + gx * scale + dx
            const y = 2 * scale + gy * scale + dy
            if (x < width && y < height) rgb.fill(255, (y * width + x) * 3, (y * width + x) * 3 + 3)
          }
        }
      }
    }
  }
  return { width, height, rgb }
}
