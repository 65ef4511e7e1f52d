import { describe, expect, it } from 'vitest'
import { LiveArea, truncate } from '../../src/util/live-area.ts'
import { FakeTerminal } from '../helpers/screen.ts'

describe('truncate', () => {
  it.each([
    ['short', 10, 'short'],
    ['exactly ten', 11, 'exactly ten'],
    ['a line that is too long', 10, 'a line th…\x1b[0m'],
    ['\x1b[32m✔\x1b[39m coloured line here', 8, '\x1b[32m✔\x1b[39m colou…\x1b[0m'],
    ['\x1b[32m✔\x1b[39m fits', 6, '\x1b[32m✔\x1b[39m fits'],
  ])('%j to %d', (line, width, expected) => {
    expect(truncate(line, width)).toBe(expected)
  })
})

describe('LiveArea', () => {
  /** A terminal with stdout and stderr both drawn on it. */
  function terminal(columns = 60) {
    const term = new FakeTerminal(columns, 10)
    const stderr = { isTTY: true, write: (chunk: string) => term.write(chunk) }
    return { term, stderr }
  }

  it('redraws only the live lines, below the lines that stay', () => {
    const { term, stderr } = terminal()
    let live = ['working 1', '  0 done']
    const area = new LiveArea(term, () => live, [stderr], 0)
    area.refresh()
    area.print('✔ first')
    live = ['working 2', '  1 done']
    area.refresh()
    area.print('✔ second')
    expect(term.all()).toEqual(['✔ first', '✔ second', 'working 2', '  1 done'])
    area.close()
    expect(term.all()).toEqual(['✔ first', '✔ second'])
    expect(term.written.endsWith('\x1b[?25h')).toBe(true)
  })

  it('shows what others write to the terminal at once, above the live lines, and gives the streams back on close', () => {
    const { term, stderr } = terminal()
    const area = new LiveArea(term, () => ['⠋ Load model'], [stderr], 0)
    area.refresh()
    stderr.write('teacache: warning: fitted on another setting\n')
    term.write('a partial line')
    expect(term.all()).toEqual(['teacache: warning: fitted on another setting', 'a partial line', '⠋ Load model'])
    area.close()
    stderr.write('after\n')
    expect(term.all()).toEqual(['teacache: warning: fitted on another setting', 'a partial line', 'after'])
  })

  it('cuts live lines to the terminal width, so a long one never wraps and is never left behind', () => {
    const { term } = terminal(30)
    let live = [`⠋ ${'x'.repeat(100)}`]
    const area = new LiveArea(term, () => live, [], 0)
    area.refresh()
    live = ['short']
    area.refresh()
    expect(term.all()).toEqual(['short'])
    area.close()
  })
})
