import { describe, expect, it } from 'vitest'
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyph, hasGlyph } from '../../src/report/font.ts'
import { labelHeight, renderLabel } from '../../src/report/label.ts'

const ink = (frame: ReturnType<typeof renderLabel>, x: number, y: number) => frame.rgb[(y * frame.width + x) * 3] === 255

describe('bitmap labels', () => {
  it('has a 5x7 glyph for every character a label uses', () => {
    for (const char of 'BASELINE t=0.25 1.47x -/:()%') {
      expect(hasGlyph(char)).toBe(true)
      const rows = glyph(char)
      expect(rows).toHaveLength(GLYPH_HEIGHT)
      expect(rows.every((r) => r.length === GLYPH_WIDTH)).toBe(true)
    }
    expect(glyph('~')).toEqual(glyph('?'))
  })

  it.each([1, 2, 3])('draws glyph pixels at scale %i, white on black, with an even height', (scale) => {
    const label = renderLabel('1', 40, scale)
    expect(label.height).toBe(labelHeight(scale))
    expect(label.height % 2).toBe(0)
    const rows = glyph('1')
    const margin = 2 * scale
    for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
      for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
        expect(ink(label, margin + gx * scale, margin + gy * scale)).toBe(rows[gy][gx])
      }
    }
    const inked = Array.from({ length: label.width * label.height }, (_, i) => label.rgb[i * 3]).filter((v) => v === 255).length
    expect(inked).toBe(rows.flat().filter(Boolean).length * scale * scale)
  })

  it('cuts a label that is too wide and marks the cut', () => {
    const label = renderLabel('T=0.123456789', 40, 1)
    // 40 px fit 6 characters of 6 px (after a 2 px margin): five shown, then "-"
    const dash = glyph('-')
    const x0 = 2 + 5 * 6
    expect(dash[3].every((on, gx) => ink(label, x0 + gx, 2 + 3) === on)).toBe(true)
  })
})
