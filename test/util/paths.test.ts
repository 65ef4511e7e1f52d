import { describe, expect, it } from 'vitest'
import { checkPathLength, expandHome } from '../../src/util/paths.ts'

describe('user paths', () => {
  it.each([
    ['~', '/home/me'],
    ['~/runs', '/home/me/runs'],
    ['~other/runs', '~other/runs'],
    ['./~/x', './~/x'],
    ['/abs/~', '/abs/~'],
  ])('expandHome(%s) is %s', (path, expected) => {
    const home = process.env.HOME
    process.env.HOME = '/home/me'
    try {
      expect(expandHome(path)).toBe(expected)
    } finally {
      process.env.HOME = home
    }
  })

  it.each([
    { path: '/ok/' + 'a'.repeat(255), reserve: 0, error: null },
    { path: '/x/' + 'a'.repeat(256), reserve: 0, error: /a folder or file name in the path is too long \(256 bytes; this system allows 255 per name\)/ },
    { path: '/x/' + 'é'.repeat(128), reserve: 0, error: /too long \(256 bytes/ },
    { path: '/' + Array(31).fill('d'.repeat(127)).join('/'), reserve: 100, error: null },
    { path: '/' + Array(31).fill('d'.repeat(127)).join('/'), reserve: 200, error: /the path is too long \(3968 bytes, and teacache writes up to 200 more inside it; this system allows 4095\)/ },
  ])('a path and $reserve bytes inside it: $error', ({ path, reserve, error }) => {
    if (process.platform === 'darwin') return
    if (error === null) expect(() => checkPathLength(path, '--output', reserve)).not.toThrow()
    else expect(() => checkPathLength(path, '--output', reserve)).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringMatching(error) }))
  })
})
