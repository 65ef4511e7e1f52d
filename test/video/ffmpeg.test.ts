import { describe, expect, it } from 'vitest'
import { spaceInOutput } from '../../src/video/ffmpeg.ts'

describe('a full disk in ffmpeg\'s own words', () => {
  it.each([
    ['Error writing trailer of /runs/a/.video.partial.mp4: No space left on device', 'ENOSPC'],
    ['av_interleaved_write_frame(): Disk quota exceeded', 'EDQUOT'],
    ['Error writing trailer: File too large', 'EFBIG'],
    ['Invalid data found when processing input', null],
    ['', null],
    [undefined, null],
  ])('%j is %s', (stderr, code) => {
    expect(spaceInOutput(stderr)).toBe(code)
  })
})
