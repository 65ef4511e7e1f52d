import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { mergePairs, pairsOf, readPrompts } from '../../src/calibrate/pairs.ts'
import { tempDir } from '../helpers/cli.ts'

describe('pairsOf', () => {
  it('pairs each step after the first: x = indicator distance, y = output change', () => {
    expect(pairsOf([null, 0.1, 0.2, 0.3], [null, 0.5, 0.6, 0.7])).toEqual({ xs: [0.1, 0.2, 0.3], ys: [0.5, 0.6, 0.7] })
  })

  it.each([
    ['lengths differ', [null, 0.1], [null], /2 indicator distances but 1 output changes/],
    ['a step lacks its output change', [null, 0.1, 0.2], [null, 0.5, null], /step 2 is missing its output change/],
    ['a step lacks its distance', [null, null], [null, 0.5], /step 1 is missing its indicator distance/],
  ])('refuses data where %s', (_, distances, changes, message) => {
    expect(() => pairsOf(distances as Array<number | null>, changes as Array<number | null>)).toThrow(message)
  })

  it('merges the pairs of several prompts in order', () => {
    expect(mergePairs([{ xs: [1], ys: [2] }, { xs: [3, 4], ys: [5, 6] }])).toEqual({ xs: [1, 3, 4], ys: [2, 5, 6] })
  })
})

describe('readPrompts', () => {
  const file = (text: string) => {
    const path = join(tempDir('tc-prompts-'), 'prompts.txt')
    writeFileSync(path, text)
    return path
  }

  it('reads one prompt per line, skipping blank lines and # comments', async () => {
    expect(await readPrompts(file('# calibration set\na cat\r\n\n  a dog on a beach  \n'))).toEqual(['a cat', 'a dog on a beach'])
  })

  it.each([
    ['an empty file', () => file('\n# only a comment\n'), /--prompts: .* has no prompts; expected one prompt per line/],
    ['a missing file', () => '/nowhere/prompts.txt', /--prompts: \/nowhere\/prompts\.txt does not exist/],
  ])('rejects %s', async (_, path, message) => {
    await expect(readPrompts(path())).rejects.toThrow(message)
  })
})
