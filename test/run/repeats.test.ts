import { describe, expect, it } from 'vitest'
import { AUTO_MAX_REPEATS, parseRepeats, repeatsFor, repeatsTitle, type Repeats } from '../../src/run/repeats.ts'

describe('repeatsFor', () => {
  it.each<[Repeats, number, number]>([
    // A count is a count, whatever the generation took.
    [3, 0.01, 3],
    [1, 500, 1],
    // auto: until 1 s is timed...
    ['auto', 0.16, 7],
    ['auto', 0.25, 4],
    ['auto', 0.6, 2],
    // ...once for a generation of a second or more (the full-size model's take minutes)...
    ['auto', 1, 1],
    ['auto', 465, 1],
    // ...and never more than the cap, nor fewer than one.
    ['auto', 0.001, AUTO_MAX_REPEATS],
    ['auto', 0, 1],
    ['auto', Number.NaN, 1],
  ])('%s with a first generation of %s s: %s', (setting, first, expected) => {
    expect(repeatsFor(setting, first)).toBe(expected)
  })
})

describe('parseRepeats', () => {
  it.each<[string | number, Repeats]>([['auto', 'auto'], ['1', 1], ['100', 100], [5, 5]])('%s', (value, expected) => {
    expect(parseRepeats(value)).toBe(expected)
  })

  it.each(['0', '101', '1.5', '', 'many', 'AUTO'])('refuses "%s", naming the flag', (value) => {
    expect(() => parseRepeats(value)).toThrow(`--repeats: expected auto or an integer from 1 to 100, got "${value}"`)
  })
})

describe('repeatsTitle', () => {
  it.each<[Repeats, string]>([
    [2, 'Time 1 more generation of the same cell (repeats)'],
    [3, 'Time 2 more generations of the same cell (repeats)'],
    ['auto', 'Time the cell again until 1 s is timed (repeats: auto, at most 10)'],
  ])('%s', (setting, title) => expect(repeatsTitle(setting)).toBe(title))
})
