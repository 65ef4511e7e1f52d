import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execa } from 'execa'
import { describe, expect, it } from 'vitest'
import { filterGraph, layoutFor, makeComparisonVideo } from '../../src/report/compare.ts'
import { encodePng } from '../../src/quality/png.ts'
import { ffmpegPath } from '../../src/video/ffmpeg.ts'
import { fixtureFrame } from '../fixtures/sweep.ts'
import { tempDir } from '../helpers/temp.ts'

describe('comparison video layout', () => {
  it.each([
    // tiny videos are blown up with neighbour scaling so labels fit
    { w: 64, h: 64, n: 4, tile: [192, 192], grid: [2, 2], flags: 'neighbor', scale: 1 },
    { w: 1360, h: 768, n: 4, tile: [480, 272], grid: [2, 2], flags: 'area', scale: 3 },
    { w: 320, h: 240, n: 3, tile: [320, 240], grid: [2, 2], flags: 'area', scale: 2 },
    { w: 320, h: 240, n: 2, tile: [320, 240], grid: [2, 1], flags: 'area', scale: 2 },
  ])('$w x $h, $n tiles', ({ w, h, n, tile, grid, flags, scale }) => {
    const layout = layoutFor(w, h, n)
    expect([layout.tileWidth, layout.tileHeight]).toEqual(tile)
    expect([layout.columns, layout.rows]).toEqual(grid)
    expect(layout.flags).toBe(flags)
    expect(layout.labelScale).toBe(scale)
  })

  it('stacks rows, pads a short last row and labels every tile', () => {
    const graph = filterGraph(3, layoutFor(320, 240, 3))
    expect(graph.match(/overlay=0:0/g)).toHaveLength(3)
    expect(graph).toContain('[v0][v1]hstack=inputs=2[r0]')
    expect(graph).toContain('[v2]null,pad=640:')
    expect(graph).toContain('[r0][r1]vstack=inputs=2[out]')
  })

  it('makes an H.264 video of the tiled frames with ffmpeg', async () => {
    const dir = tempDir('tc-compare-')
    const tiles = [0, 9, 20].map((shift, i) => {
      const framesDir = join(dir, `run${i}`)
      mkdirSync(framesDir)
      for (let f = 0; f < 3; f++) writeFileSync(join(framesDir, `frame_0000${f}.png`), encodePng(fixtureFrame(f, shift)))
      return { label: i === 0 ? 'baseline' : `t=0.${i} 1.5x`, framesDir }
    })
    const output = join(dir, 'compare.mp4')
    await makeComparisonVideo(tiles, { output, fps: 8, width: 16, height: 16 })
    const probe = await execa(ffmpegPath(), ['-hide_banner', '-i', output], { reject: false })
    const layout = layoutFor(16, 16, 3)
    expect(probe.stderr).toContain(`h264`)
    expect(probe.stderr).toContain(`${2 * layout.tileWidth}x${2 * (layout.tileHeight + layout.labelHeight)}`)
    await expect(makeComparisonVideo([{ label: 'x', framesDir: join(dir, 'nothing') }], { output: join(dir, 'bad.mp4'), fps: 8, width: 16, height: 16 })).rejects.toThrow(/comparison video .* failed/)
  })
})
