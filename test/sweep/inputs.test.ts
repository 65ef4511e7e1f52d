import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config/load.ts'
import { DEFAULT_THRESHOLDS, parsePrompts, resolveGrid } from '../../src/sweep/inputs.ts'
import { releaseFifo } from '../helpers/fifo.ts'
import { tempDir } from '../helpers/temp.ts'

const dir = tempDir('tc-inputs-')
writeFileSync(join(dir, 'prompts.txt'), '# my prompts\nA cat.\n\n  A dog.  \n')
const config = (sweep = '') =>
  parseConfig(`model: tiny\nprompt: "The config prompt."\nseed: 5\nsteps: 4\nheight: 16\nwidth: 16\nframes: 5\nteacache:\n  rel_l1_thresh: 0.1\n${sweep}`, join(dir, 'c.yaml'))

describe('sweep grid inputs', () => {
  it('defaults to the config prompt and seed and the published thresholds', async () => {
    expect(await resolveGrid(config(), {}, dir)).toEqual({ prompts: ['The config prompt.'], seeds: [5], thresholds: DEFAULT_THRESHOLDS })
  })

  it('takes the sweep: section, with a prompts file relative to the config', async () => {
    const c = config('sweep:\n  thresholds: [0.3, 0.1]\n  seeds: [1, 2]\n  prompts: prompts.txt\n')
    expect(await resolveGrid(c, {}, '/')).toEqual({ prompts: ['A cat.', 'A dog.'], seeds: [1, 2], thresholds: [0.1, 0.3] })
  })

  it('lets flags win over the sweep: section (paths relative to the cwd)', async () => {
    const c = config('sweep:\n  thresholds: [0.3]\n  seeds: [1]\n  prompts: ["x", "y"]\n')
    expect(await resolveGrid(c, { thresholds: '0.2, 0.05', seeds: '9,3', prompts: 'prompts.txt' }, dir)).toEqual({ prompts: ['A cat.', 'A dog.'], seeds: [3, 9], thresholds: [0.05, 0.2] })
    expect((await resolveGrid(c, {}, dir)).prompts).toEqual(['x', 'y'])
  })

  it.each([
    { flags: { thresholds: '0.1,,0.2' }, error: '--thresholds: expected a comma-separated list without empty items, got "0.1,,0.2"' },
    { flags: { thresholds: '0.1,abc' }, error: '--thresholds: expected thresholds >= 0 (0 computes every step), got "abc"' },
    { flags: { thresholds: '-1' }, error: '--thresholds: expected thresholds >= 0 (0 computes every step), got "-1"' },
    { flags: { thresholds: '9' }, error: '--thresholds: expected thresholds of at most 5, got "9"' },
    { flags: { thresholds: '0.1,0.1' }, error: '--thresholds: 0.1 is listed twice; every run of a sweep must differ' },
    { flags: { seeds: '1.5' }, error: '--seeds: expected integer seeds from 0 to 4294967295, got "1.5"' },
    { flags: { seeds: '3,3' }, error: '--seeds: 3 is listed twice; every run of a sweep must differ' },
    { flags: { prompts: 'nope.txt' }, error: `--prompts: cannot read ${join(dir, 'nope.txt')} (no such file)` },
  ])('rejects $flags', async ({ flags, error }) => {
    await expect(resolveGrid(config(), flags, dir)).rejects.toMatchObject({ code: expect.stringMatching(/CONFIG|INPUT/), exitCode: 2, message: error })
  })

  it.each([
    { text: '# only a comment\n\n', error: 'where: expected one prompt per line, found none' },
    { text: `ok\n${'x'.repeat(10_001)}\n`, error: 'where:2: expected a prompt of at most 10000 characters' },
  ])('rejects a prompts file: $error', ({ text, error }) => {
    expect(() => parsePrompts(text, 'where')).toThrow(error)
  })

  describe('with a method list', () => {
    it('takes its TeaCache entries as thresholds, and runs no default thresholds beside it', async () => {
      const grid = await resolveGrid(config(), { methods: 'fbc:0.1,teacache:0.2,pab,fbc:0.05' }, dir)
      expect(grid.thresholds).toEqual([0.2])
      // In the registry's order, then by value: the same set typed in another order is the same sweep.
      expect(grid.methods!.map((v) => v.id)).toEqual(['fbc0.05', 'fbc0.1', 'pab'])
      expect(grid).not.toHaveProperty('compile')
    })

    it('joins --thresholds or sweep.thresholds with its TeaCache entries, a threshold in both being one run', async () => {
      const c = config('sweep:\n  thresholds: [0.3]\n  methods: ["teacache:0.1", "fbc"]\n')
      expect(await resolveGrid(c, {}, dir)).toMatchObject({ thresholds: [0.1, 0.3], methods: [{ id: 'fbc0.05' }] })
      expect(await resolveGrid(c, { thresholds: '0.1,0.2' }, dir)).toMatchObject({ thresholds: [0.1, 0.2], methods: [{ id: 'fbc0.05' }] })
      expect(await resolveGrid(c, { methods: 'pab' }, dir)).toMatchObject({ thresholds: [0.3], methods: [{ id: 'pab' }] })
    })

    it('writes no methods key for a TeaCache-only list, so the grid is the one a --thresholds sweep has', async () => {
      expect(await resolveGrid(config(), { methods: 'teacache:0.1,teacache:0.2' }, dir)).toEqual(await resolveGrid(config(), { thresholds: '0.1,0.2' }, dir))
    })

    it('refuses methods when every run is compiled: they run on eager blocks, against the eager baseline', async () => {
      await expect(resolveGrid(config(), { methods: 'fbc', compile: 'blocks' }, dir)).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/^--methods: diffusers' caches run on eager blocks .* add none \(--compile none,blocks\) or drop fbc0\.05$/) })
      expect((await resolveGrid(config(), { methods: 'fbc', compile: 'none,blocks' }, dir)).compile).toEqual(['none', 'blocks'])
    })

    it('refuses MagCache ratios from a file calibrate did not write, before anything starts', async () => {
      const warnings: string[] = []
      writeFileSync(join(dir, 'ratios.yaml'), 'not: a calibrate file\n')
      await expect(resolveGrid(config(), { methods: 'magcache:ratios=ratios.yaml' }, dir, (m) => warnings.push(m))).rejects.toThrow(/--methods: ratios: .*ratios\.yaml: not a usable coefficients file/)
      expect(warnings).toEqual([])
    })
  })

  it('rejects repeated prompts from a file', async () => {
    writeFileSync(join(dir, 'twice.txt'), 'same\nother\nsame\n')
    await expect(resolveGrid(config(), { prompts: 'twice.txt' }, dir)).rejects.toThrow('--prompts: prompt 2 repeats prompt 0')
  })

  // Each list of the grid says which list repeats, and what.
  it.each([
    { flags: { thresholds: '0.1,0.10' }, error: '--thresholds: 0.1 is listed twice; every run of a sweep must differ' },
    { flags: { seeds: '7,07' }, error: '--seeds: 7 is listed twice; every run of a sweep must differ' },
    { flags: { compile: 'none,none' }, error: '--compile: none is listed twice; every run of a sweep must differ' },
    { flags: { compile: 'none,blocks,blocks' }, error: '--compile: blocks is listed twice; every run of a sweep must differ' },
    { flags: { prompts: 'twice.txt' }, error: '--prompts: prompt 2 repeats prompt 0; every run of a sweep must differ' },
    { flags: { methods: 'teacache:0.1,teacache:0.1' }, error: '--methods: teacache 0.1 is listed twice; every run of a sweep must differ' },
    { flags: { methods: 'fbc,fbc:0.05' }, error: '--methods: the same variant as fbc (run id fbc0.05); every run of a sweep must differ' },
    { sweep: 'sweep:\n  thresholds: [0.2, 0.2]\n', error: 'sweep.thresholds: 0.2 is listed twice; every run of a sweep must differ' },
    { sweep: 'sweep:\n  seeds: [1, 1]\n', error: 'sweep.seeds: 1 is listed twice; every run of a sweep must differ' },
    { sweep: 'sweep:\n  compile: [blocks, blocks]\n', error: 'sweep.compile: blocks is listed twice; every run of a sweep must differ' },
    { sweep: 'sweep:\n  prompts: [a, b, a]\n', error: 'sweep.prompts: prompt 2 repeats prompt 0; every run of a sweep must differ' },
    { sweep: 'sweep:\n  methods: [pab, "pab:2"]\n', error: 'sweep.methods[1]: the same variant as sweep.methods[0] (run id pab); every run of a sweep must differ' },
  ])('names the repeat in $error', async ({ flags = {}, sweep, error }) => {
    writeFileSync(join(dir, 'twice.txt'), 'same\nother\nsame\n')
    await expect(resolveGrid(config(sweep), flags, dir)).rejects.toMatchObject({ exitCode: 2, message: error })
  })

  it('names a method parameter written as __proto__ in the config as unknown, never drops it', async () => {
    await expect(resolveGrid(config('sweep:\n  methods: [{method: fbc, __proto__: 0.9}]\n'), {}, dir)).rejects.toMatchObject({
      exitCode: 2, message: 'sweep.methods[0]: fbc: unknown parameter __proto__; expected threshold',
    })
  })

  // The config's schema checks only the list's shape, so `run` loads no method file; the sweep
  // that resolves the list names what is wrong with an entry, as the schema did.
  it.each([
    { methods: '[seacache]', error: /^sweep\.methods\[0\]: seacache: refused: / },
    { methods: '[fbc, "nope:1"]', error: /^sweep\.methods\[1\]: unknown method "nope"/ },
    { methods: '[{method: pab, skip: 3}]', error: /^sweep\.methods\[0\]: pab: unknown parameter skip; expected / },
    { methods: '["fbc:-1"]', error: /^sweep\.methods\[0\]: fbc: threshold: / },
  ])('refuses sweep.methods $methods when the sweep resolves it', async ({ methods, error }) => {
    const c = config(`sweep:\n  methods: ${methods}\n`)
    await expect(resolveGrid(c, {}, dir)).rejects.toMatchObject({ code: 'CONFIG', exitCode: 2, message: expect.stringMatching(error) })
  })

  it.each([
    { methods: '[3]', error: 'sweep.methods[0]: expected a method such as "fbc:0.05" or {method: fbc, threshold: 0.05}' },
    { methods: '[[fbc]]', error: 'sweep.methods[0]: expected a method such as "fbc:0.05" or {method: fbc, threshold: 0.05}' },
    { methods: 'fbc', error: 'sweep.methods: expected a list of methods, e.g. [teacache:0.1, fbc:0.05, pab]' },
    { methods: '[]', error: 'sweep.methods: expected at least one method' },
  ])('refuses a sweep.methods of the wrong shape when the config loads: $methods', ({ methods, error }) => {
    expect(() => config(`sweep:\n  methods: ${methods}\n`)).toThrow(`\n  ${error}`)
  })

  describe('a prompts file that is no regular file', () => {
    const fifo = join(dir, 'prompts.fifo')
    afterEach(() => releaseFifo(fifo))

    it('refuses a FIFO with no writer at once, naming the flag and the file', async () => {
      execFileSync('mkfifo', [fifo])
      await expect(resolveGrid(config(), { prompts: 'prompts.fifo' }, dir)).rejects.toMatchObject({
        exitCode: 2, message: `--prompts: cannot read ${fifo} (a FIFO (named pipe), not a regular file)`,
      })
    })

    it('refuses a folder as sweep.prompts', async () => {
      await expect(resolveGrid(config(`sweep:\n  prompts: ${dir}\n`), {}, dir)).rejects.toMatchObject({
        exitCode: 2, message: `${join(dir, 'c.yaml')}: sweep.prompts: cannot read ${dir} (a folder, not a regular file)`,
      })
    })
  })
})
