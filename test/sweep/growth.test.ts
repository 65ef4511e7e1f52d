import { describe, expect, it } from 'vitest'
import { makeVariant } from '../../src/methods/variant.ts'
import { buildRuns, gridKeys, gridValues, normalizeGrid, type Grid, type GridKey, type GridValue } from '../../src/sweep/grid.ts'
import { describeValues, gridAdditions, gridConflicts, growGrid } from '../../src/sweep/growth.ts'

const folder: Grid = { prompts: ['a', 'b'], seeds: [42], thresholds: [0.5, 1] }
const g = (over: Partial<Grid>): Grid => normalizeGrid({ ...folder, ...over })

describe('growing a sweep grid', () => {
  it.each([
    { what: 'the same grid', command: folder, grown: folder, added: {}, kept: {} },
    { what: 'a threshold more', command: g({ thresholds: [0.5, 1, 1.5] }), grown: g({ thresholds: [0.5, 1, 1.5] }), added: { thresholds: [1.5] }, kept: {} },
    { what: 'a lower threshold, typed out of order', command: { ...folder, thresholds: [1, 0.1, 0.5] }, grown: g({ thresholds: [0.1, 0.5, 1] }), added: { thresholds: [0.1] }, kept: {} },
    { what: 'a seed that sorts first', command: g({ seeds: [7, 42] }), grown: g({ seeds: [7, 42] }), added: { seeds: [7] }, kept: {} },
    { what: 'a prompt appended', command: g({ prompts: ['a', 'b', 'c'] }), grown: g({ prompts: ['a', 'b', 'c'] }), added: { prompts: ['c'] }, kept: {} },
    { what: 'a threshold and a seed at once', command: g({ thresholds: [0.5, 1, 2], seeds: [42, 43] }), grown: g({ thresholds: [0.5, 1, 2], seeds: [42, 43] }), added: { seeds: [43], thresholds: [2] }, kept: {} },
    { what: 'fewer thresholds than the folder: the folder\'s are kept', command: g({ thresholds: [1] }), grown: folder, added: {}, kept: { thresholds: [0.5] } },
    { what: 'only the first prompt: the folder\'s others are kept', command: g({ prompts: ['a'] }), grown: folder, added: {}, kept: { prompts: ['b'] } },
    { what: 'disjoint thresholds: their union', command: g({ thresholds: [2] }), grown: g({ thresholds: [0.5, 1, 2] }), added: { thresholds: [2] }, kept: { thresholds: [0.5, 1] } },
    { what: 'compiled variants added to an eager sweep', command: g({ compile: ['none', 'blocks'] }), grown: g({ compile: ['none', 'blocks'] }), added: { compile: ['blocks'] }, kept: {} },
    { what: 'an eager command on an eager and compiled sweep', command: folder, grown: g({ compile: ['none', 'blocks'] }), added: {}, kept: { compile: ['blocks'] }, from: g({ compile: ['none', 'blocks'] }) },
    { what: 'an eager command on a compiled-only sweep', command: folder, grown: g({ compile: ['none', 'blocks'] }), added: { compile: ['none'] }, kept: { compile: ['blocks'] }, from: g({ compile: ['blocks'] }) },
  ])('$what', ({ command, grown, added, kept, from = folder }) => {
    expect(gridConflicts(from, command)).toEqual([])
    expect(growGrid(from, command)).toEqual(grown)
    expect(gridAdditions(from, grown)).toEqual(added)
    expect(gridAdditions(command, grown)).toEqual(kept)
  })

  it.each([
    { what: 'prompts reordered', command: g({ prompts: ['b', 'a'] }), lines: ['p0-s42/baseline (and 2 more runs): prompt: "a" -> "b"', 'p1-s42/baseline (and 2 more runs): prompt: "b" -> "a"'] },
    { what: 'a prompt replaced', command: g({ prompts: ['a', 'c'] }), lines: ['p1-s42/baseline (and 2 more runs): prompt: "b" -> "c"'] },
    { what: 'a prompt removed from the middle', command: g({ prompts: ['b'] }), lines: ['p0-s42/baseline (and 2 more runs): prompt: "a" -> "b"'] },
    { what: 'a prompt inserted before the others (the runs the folder has are named)', command: g({ prompts: ['z', 'a', 'b'], seeds: [42, 43] }), lines: [
      'p0-s42/baseline (and 2 more runs): prompt: "a" -> "z"', 'p1-s42/baseline (and 2 more runs): prompt: "b" -> "a"',
    ] },
  ])('$what: a conflict naming the runs that would change meaning', ({ command, lines }) => {
    expect(gridConflicts(folder, command)).toEqual(lines)
  })

  // One more value for every list of the grid: a list added to GRID_AXES must be listed here too.
  const more: Record<GridKey, GridValue> = { prompts: 'c', seeds: 7, thresholds: 0.25, compile: 'blocks', methods: makeVariant('fbc', { threshold: 0.05 }) }
  it.each(gridKeys())('growing by one more of %s keeps every run under its id and only adds runs', (key) => {
    const command = normalizeGrid({ ...folder, [key]: [...gridValues(folder, key), more[key]] })
    expect(gridConflicts(folder, command)).toEqual([])
    const grown = growGrid(folder, command)
    const before = new Map(buildRuns(folder).map((r) => [r.id, r]))
    const after = buildRuns(grown)
    for (const [id, run] of before) expect(after.find((r) => r.id === id)).toMatchObject({ prompt: run.prompt, seed: run.seed, threshold: run.threshold, compile: run.compile })
    expect(after.length).toBeGreaterThan(before.size)
    expect(gridAdditions(folder, grown)).toEqual({ [key]: [more[key]] })
  })

  it('says what was added in words', () => {
    expect(describeValues({ thresholds: [1.5, 2], prompts: ['a cat'], seeds: [43] })).toBe('prompts "a cat"; seeds 43; thresholds 1.5, 2')
    expect(describeValues({ methods: [makeVariant('fbc', { threshold: 0.05 })] })).toBe('methods fbc0.05')
    expect(describeValues({})).toBe('')
  })
})
