import { writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkImage, ruleViolations } from '../../src/config/rules.ts'
import { parseConfig } from '../../src/config/load.ts'
import { tempDir } from '../helpers/temp.ts'

const base = parseConfig('model: tiny\nprompt: a\nsteps: 4\nheight: 64\nwidth: 64\nframes: 17\nteacache: {rel_l1_thresh: 0.1}\n', '/c/x.yaml')

describe('ruleViolations', () => {
  it.each([
    [{}, 't2v', []],
    [{ image: '/a.png' }, 'i2v', []],
    [{ frames: 81, height: 768, width: 1360 }, 't2v', []],
    [{}, 'i2v', ['image: this model is image-to-video; expected a path to the conditioning image']],
    [{ image: '/a.png' }, 't2v', ['image: this model is text-to-video and takes no image; remove image or use an I2V model']],
    [{ frames: 16 }, 't2v', ['frames: expected 4k+1 frames (e.g. 49 or 81), got 16; try 13 or 17']],
    [{ height: 100 }, 't2v', ['height: expected a multiple of 16 pixels, got 100']],
    [{ width: 1366, height: 8 }, 't2v', ['height: expected a multiple of 16 pixels, got 8', 'width: expected a multiple of 16 pixels, got 1366']],
  ] as const)('%j (%s)', (patch, task, problems) => {
    expect(ruleViolations({ ...base, ...patch }, task)).toEqual(problems)
  })
})

describe('checkImage', () => {
  const dir = tempDir('tc-img-')
  writeFileSync(join(dir, 'ok.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  writeFileSync(join(dir, 'text.png'), 'not an image')
  mkdirSync(join(dir, 'folder.png'))
  it('accepts a PNG', async () => {
    await expect(checkImage(join(dir, 'ok.png'))).resolves.toBeUndefined()
  })
  it.each([
    ['missing.png', /image: .*missing\.png does not exist/],
    ['text.png', /image: .*text\.png is not a PNG, JPEG, WebP, GIF or BMP image/],
    ['folder.png', /image: .*folder\.png is not a file/],
  ])('%s', async (name, message) => {
    await expect(checkImage(join(dir, name))).rejects.toThrow(message)
  })
})
