import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config/load.ts'
import { sweepSchema } from '../../src/config/schema.ts'
import { makeVariant, paramsOf } from '../../src/methods/variant.ts'
import { definitionOf } from '../../src/methods/registry.ts'
import { buildRuns, type Grid } from '../../src/sweep/grid.ts'
import { resolveGrid } from '../../src/sweep/inputs.ts'
import { gridFor, isWanted, type Want } from '../../src/tune/cells.ts'
import { compileContender, parseTuneCompile } from '../../src/tune/compile.ts'
import { tunedConfig } from '../../src/tune/output.ts'
import type { Contender } from '../../src/tune/rank.ts'
import { TINY_CONFIG } from '../helpers/configs.ts'

const fbc = makeVariant('fbc', paramsOf(definitionOf('fbc'), { threshold: 0.2 }))
const grid: Grid = { prompts: ['a', 'b'], seeds: [42], thresholds: [0.1] }
const ids = (g: Grid, wants: Want[], groups = [0]) => buildRuns(g).filter((s) => groups.includes(s.promptIndex) && isWanted(s, wants)).map((s) => s.id)

describe('the cells a tune step makes', () => {
  it.each([
    { wants: [{ threshold: 0.3, method: null, compile: 'none' }], made: ['p0-s42/baseline', 'p0-s42/t0.3'] },
    { wants: [{ threshold: null, method: fbc, compile: 'none' }], made: ['p0-s42/baseline', 'p0-s42/fbc0.2'] },
    // The compiled cell is timed against the eager baseline; the compiled baseline is not made.
    { wants: [{ threshold: 0.1, method: null, compile: 'blocks' }], made: ['p0-s42/baseline', 'p0-s42/t0.1-compiled'] },
    { wants: [], made: ['p0-s42/baseline'] },
  ] as Array<{ wants: Want[]; made: string[] }>)('$made', ({ wants, made }) => {
    expect(ids(gridFor(grid, wants), wants)).toEqual(made)
  })

  it('the grid grows by what is wanted and keeps what it held', () => {
    const grown = gridFor(grid, [{ threshold: 0.3, method: null, compile: 'blocks' }, { threshold: null, method: fbc, compile: 'none' }])
    expect(grown).toMatchObject({ thresholds: [0.1, 0.3], compile: ['none', 'blocks'], methods: [fbc] })
    expect(gridFor(grid, [{ threshold: 0.1, method: null, compile: 'none' }])).toEqual(grid)
  })
})

describe('--compile for tune', () => {
  it.each([
    [undefined, ['none']],
    ['none', ['none']],
    ['blocks,none', ['none', 'blocks']],
  ])('%s', (text, modes) => expect(parseTuneCompile(text)).toEqual(modes))
  it.each([
    ['blocks', /--compile: expected none among the modes/],
    ['none,jit', /--compile: expected a comma-separated list of none and blocks/],
    ['none,none', /--compile: none is listed twice/],
  ])('refuses %s, exit 2', (text, message) => {
    expect(() => parseTuneCompile(text)).toThrow(message)
    expect(() => parseTuneCompile(text)).toThrow(expect.objectContaining({ exitCode: 2 }))
  })

  const c = (id: string, family: string, pass: boolean): Contender => ({ id, family, order: 0, compile: 'none', pass, speedup: null })
  it.each([
    { ranked: [c('fbc0.2', 'fbc', true), c('t0.2', 'teacache', true), c('t0.1', 'teacache', true)], modes: ['none', 'blocks'], timed: 't0.2' },
    { ranked: [c('t0.2', 'teacache', true)], modes: ['none'], timed: null },
    { ranked: [c('fbc0.2', 'fbc', true)], modes: ['none', 'blocks'], timed: null },
  ] as const)('times the fastest passing TeaCache candidate compiled: $timed', ({ ranked, modes, timed }) => {
    expect(compileContender(ranked, modes)?.id ?? null).toBe(timed)
  })
})

describe('tuned.yaml', () => {
  const config = parseConfig(TINY_CONFIG, '/nowhere/tiny.yaml')
  it('a TeaCache choice is a run config at the threshold, with the chosen compile mode', () => {
    const text = tunedConfig(config, { threshold: 0.3, method: null, compile: 'blocks' }, [0, 0, 0, 1, 0], 'note')
    const again = parseConfig(text, '/nowhere/tuned.yaml')
    expect(again).toMatchObject({ compile: 'blocks', teacache: { enabled: true, rel_l1_thresh: 0.3, coefficients: [0, 0, 0, 1, 0] } })
    expect(again.sweep).toBeUndefined()
  })
  it('a method choice is the sweep\'s own method list, which resolves to the very variant (TeaCache off)', async () => {
    const text = tunedConfig(config, { threshold: null, method: fbc, compile: 'none' }, [0, 0, 0, 1, 0], 'note')
    const again = parseConfig(text, '/nowhere/tuned.yaml')
    expect(again.teacache.enabled).toBe(false)
    expect(sweepSchema.parse(again.sweep)).toBeTruthy()
    const g = await resolveGrid(again, {})
    expect(g).toMatchObject({ prompts: [config.prompt], seeds: [42], thresholds: [], methods: [fbc] })
  })
})
