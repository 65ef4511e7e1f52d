import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config/load.ts'
import { makeVariant } from '../../src/methods/variant.ts'
import { buildManifest } from '../../src/sweep/manifest.ts'
import { firstIssue, manifestSchema } from '../../src/sweep/records.ts'
import { makeSweepFixture } from '../fixtures/sweep.ts'
import { tempDir } from '../helpers/temp.ts'

/** sweep.json read back: every field checked (run.json's checks are in test/records/). */
const dir = tempDir('tc-records-')
afterAll(() => rmSync(dir, { recursive: true, force: true }))
makeSweepFixture(dir, { grid: { prompts: ['a'], seeds: [1], thresholds: [0.5] }, run: () => ({ status: 'completed', denoise: 1, decode: 1, shift: 0, schedule: [true, false, true, true] }) })
const manifest = () => JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8'))
type Edit = (r: Record<string, any>) => void

const withMethods = () =>
  JSON.parse(JSON.stringify(buildManifest(
    parseConfig('model: tiny\nprompt: "p"\nsteps: 4\nheight: 16\nwidth: 16\nframes: 5\nteacache:\n  rel_l1_thresh: 0.1\n', '/x/c.yaml'),
    { prompts: ['a'], seeds: [1], thresholds: [0.1], methods: [makeVariant('fbc', { threshold: 0.05 }), makeVariant('magcache', { threshold: 0.06, max_skip_steps: 3, retention_ratio: 0.2, ratios: [1, 1.1] })] },
  )))

describe('sweep.json validation', () => {
  it('accepts a manifest with diffusers\' caches, every parameter checked by the method\'s own schema', () => {
    expect(manifestSchema.safeParse(withMethods()).success).toBe(true)
  })

  it.each<[string, Edit, RegExp]>([
    ['a method id its parameters do not give', (m) => (m.grid.methods[0].id = '../../x'), /^grid\.methods\[0\]\.id: expected "fbc0\.05"/],
    ['a parameter out of range', (m) => (m.grid.methods[0].params.threshold = -1), /^grid\.methods\[0\]\.params\.threshold: expected 0 or more/],
    ['an unknown parameter', (m) => (m.grid.methods[0].params.speed = 1), /^grid\.methods\[0\]\.params: /],
    ['a method teacache does not run', (m) => (m.grid.methods[0].method = 'seacache'), /^grid\.methods\[0\]\.method: /],
    ['MagCache ratios left as a path', (m) => (m.grid.methods[1].params.ratios = 'c.yaml'), /^grid\.methods\[1\]\.params\.ratios: expected the ratios as numbers/],
    ['methods with every run compiled', (m) => (m.grid.compile = ['blocks']), /^grid\.methods: expected compile to include none/],
    ['a method run listed without its method', (m) => delete m.runs[2].method, /^runs\[2\]: expected \{id: "p0-s1\/fbc0\.05"/],
  ])('refuses %s', (_, edit, problem) => {
    const m = withMethods()
    edit(m)
    const parsed = manifestSchema.safeParse(m)
    expect(parsed.success).toBe(false)
    expect(firstIssue(parsed.error!)).toMatch(problem)
  })

  it('accepts a manifest teacache wrote', () => {
    expect(manifestSchema.safeParse(manifest()).success).toBe(true)
  })

  it.each<[string, Edit, RegExp]>([
    ['seeds with path segments', (m) => (m.grid.seeds = ['../../../tmp/x']), /^grid\.seeds\[0\]: expected an integer seed/],
    ['a fractional seed', (m) => (m.grid.seeds = [1.5]), /^grid\.seeds\[0\]: expected an integer seed/],
    ['a threshold that is text', (m) => (m.grid.thresholds = ['0.5/../../x']), /^grid\.thresholds\[0\]: expected a threshold/],
    ['a seed listed twice', (m) => (m.grid.seeds = [1, 1]), /^grid\.seeds\[1\]: expected every entry once/],
    ['no prompts', (m) => (m.grid.prompts = []), /^grid\.prompts: expected at least one prompt/],
    ['a run id that leaves the folder', (m) => (m.runs[0].id = '../../elsewhere'), /^runs\[0\]: expected \{id: "p0-s1\/baseline"/],
    ['runs that do not follow from the grid', (m) => m.runs.pop(), /^runs: expected 2 runs/],
    ['a fingerprint that is not one', (m) => (m.fingerprint = 'x'), /^fingerprint: expected 16 hexadecimal digits/],
    ['a settings list', (m) => (m.settings = []), /^settings: expected the sweep's settings/],
  ])('refuses %s', (_, edit, problem) => {
    const m = manifest()
    edit(m)
    const parsed = manifestSchema.safeParse(m)
    expect(parsed.success).toBe(false)
    expect(firstIssue(parsed.error!)).toMatch(problem)
  })
})
