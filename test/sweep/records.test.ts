import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config/load.ts'
import { makeVariant } from '../../src/methods/variant.ts'
import { buildManifest } from '../../src/sweep/manifest.ts'
import { firstIssue, manifestSchema, validateRunRecord } from '../../src/sweep/records.ts'
import { makeSweepFixture } from '../fixtures/sweep.ts'

/** run.json and sweep.json read back: the fields readers use are checked, extra keys kept. */
const dir = mkdtempSync(join(tmpdir(), 'tc-records-'))
makeSweepFixture(dir, { grid: { prompts: ['a'], seeds: [1], thresholds: [0.5] }, run: () => ({ status: 'completed', denoise: 1, decode: 1, shift: 0, schedule: [true, false, true, true] }) })
const good = () => JSON.parse(readFileSync(join(dir, 'p0-s1/t0.5/run.json'), 'utf8'))
const manifest = () => JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8'))
type Edit = (r: Record<string, any>) => void

describe('run.json validation', () => {
  it('accepts a record teacache wrote, keeping every key, newer optional fields included', () => {
    const record = good()
    Object.assign(record, { repeats: [{ denoise: 1, decode: 0.5 }], worker: { host: 'h', device: 'cuda:1', device_index: 1, device_name: 'H100', pid: 7 }, future_field: { x: 1 } })
    Object.assign(record.timings_s, { warmup: 2, compile: 0, vae: 0.4, write_frames: 0.1 })
    record.config.some_new_setting = 3
    const valid = validateRunRecord(record)
    expect(valid).toMatchObject({ ok: true })
    expect(valid.ok && valid.record).toEqual(record)
  })

  it.each<[string, Edit, RegExp]>([
    ['a wrong format', (r) => (r.format = 'other/1'), /^format: expected "teacache-run\/1"/],
    ['an unknown status', (r) => (r.status = 'done'), /^status: expected "completed", "failed" or "interrupted"/],
    ['timings of the wrong type', (r) => (r.timings_s.denoise = '3'), /^timings_s\.denoise: expected seconds/],
    ['negative seconds', (r) => (r.timings_s.decode = -1), /^timings_s\.decode: expected seconds of 0 or more/],
    ['steps that are not a list', (r) => (r.steps = {}), /^steps: expected a list of steps/],
    ['a step without its decision', (r) => delete r.steps[1].computed, /^steps\[1\]\.computed: expected true or false/],
    ['counts that disagree with the steps', (r) => (r.computed_steps = 4), /^computed_steps: expected 3 \(the computed entries of steps\)/],
    ['steps out of order', (r) => (r.steps[2].index = 5), /^steps\[2\]\.index: expected 2/],
    ['an optional field of the wrong shape', (r) => (r.repeats = [{ denoise: 'fast' }]), /^repeats\[0\]\.denoise: expected seconds/],
    ['a model version teacache does not know', (r) => (r.model.version = '2.0'), /^model\.version: expected "1\.5" or "1\.0"/],
    ['no config', (r) => delete r.config, /^config: /],
    ['work counts of the wrong shape', (r) => (r.compute = { layers: 2, input_rows: 2, block_calls: 2, block_rows: 'many', attention_rows: 2, feedforward_rows: 2, steps: [] }), /^compute\.block_rows: /],
  ])('marks %s unreadable: %s', (_, edit, problem) => {
    const record = good()
    edit(record)
    const valid = validateRunRecord(record)
    expect(valid.ok).toBe(false)
    expect(!valid.ok && valid.problem).toMatch(problem)
  })
})

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
