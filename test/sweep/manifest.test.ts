import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config/load.ts'
import { buildManifest, growManifest, manifestConflicts, readManifest, sameSweep, writeManifest } from '../../src/sweep/manifest.ts'
import { makeVariant } from '../../src/methods/variant.ts'
import { manifestSchema } from '../../src/sweep/records.ts'
import { tempDir } from '../helpers/temp.ts'

const YAML = 'model: tiny\nprompt: "p"\nsteps: 4\nheight: 16\nwidth: 16\nframes: 5\nteacache:\n  rel_l1_thresh: 0.1\n  coefficients: [0, 0, 0, 1, 0]\n'
const grid = { prompts: ['a', 'b'], seeds: [1], thresholds: [0.1, 0.2] }
const manifest = (yaml = YAML, g: Parameters<typeof buildManifest>[1] = grid) => buildManifest(parseConfig(yaml, '/x/c.yaml'), g)
const fbc = makeVariant('fbc', { threshold: 0.05 })
const mag = (ratios: number[]) => makeVariant('magcache', { threshold: 0.06, max_skip_steps: 3, retention_ratio: 0.2, ratios })

describe('sweep.json', () => {
  it('lists the grid, the shared settings, their fingerprint and every run', () => {
    const m = manifest()
    expect(m).toMatchObject({ format: 'teacache-sweep/1', config_path: '/x/c.yaml', grid, settings: { steps: 4, teacache: { coefficients: [0, 0, 0, 1, 0] } } })
    expect(m.fingerprint).toMatch(/^[0-9a-f]{16}$/)
    expect(m.runs.map((r) => r.id)).toEqual(['p0-s1/baseline', 'p0-s1/t0.1', 'p0-s1/t0.2', 'p1-s1/baseline', 'p1-s1/t0.1', 'p1-s1/t0.2'])
  })

  it('round-trips through the folder, atomically written', async () => {
    const dir = tempDir('tc-manifest-')
    expect(await readManifest(dir)).toBeNull()
    await writeManifest(join(dir, 'new'), manifest())
    expect(await readManifest(join(dir, 'new'))).toEqual(manifest())
    expect(JSON.parse(readFileSync(join(dir, 'new', 'sweep.json'), 'utf8')).format).toBe('teacache-sweep/1')
    writeFileSync(join(dir, 'sweep.json'), '{"format": "other"}')
    await expect(readManifest(dir)).rejects.toThrow(/sweep.json: not a sweep manifest/)
  })

  it.each([
    { what: 'the same sweep from another config path', other: buildManifest(parseConfig(YAML, '/y/copy.yaml'), grid), conflicts: [] },
    { what: 'other steps', other: manifest(YAML.replace('steps: 4', 'steps: 6')), conflicts: ['steps: 4 -> 6'] },
    { what: 'another guidance scale and dtype', other: manifest(`${YAML}guidance_scale: 7\ndtype: float32\n`), conflicts: ['dtype: "auto" -> "float32"', 'guidance_scale: 6 -> 7'] },
    { what: 'other coefficients', other: manifest(YAML.replace('[0, 0, 0, 1, 0]', '[0, 0, 0, 2, 0]')), conflicts: ['teacache.coefficients: [0,0,0,1,0] -> [0,0,0,2,0]'] },
    { what: 'fewer thresholds (the folder keeps its own)', other: manifest(YAML, { ...grid, thresholds: [0.1] }), conflicts: [] },
    { what: 'more seeds (a growth)', other: manifest(YAML, { ...grid, seeds: [1, 2] }), conflicts: [] },
    { what: 'prompts reordered', other: manifest(YAML, { ...grid, prompts: ['b', 'a'] }), conflicts: ['p0-s1/baseline (and 2 more runs): prompt: "a" -> "b"', 'p1-s1/baseline (and 2 more runs): prompt: "b" -> "a"'] },
    { what: 'other steps and a prompt replaced', other: manifest(YAML.replace('steps: 4', 'steps: 6'), { ...grid, prompts: ['a', 'c'] }), conflicts: ['steps: 4 -> 6', 'p1-s1/baseline (and 2 more runs): prompt: "b" -> "c"'] },
    { what: 'methods added (a growth)', other: manifest(YAML, { ...grid, methods: [fbc] }), conflicts: [] },
  ])('$what: $conflicts', ({ other, conflicts }) => {
    expect(manifestConflicts(manifest(), other)).toEqual(conflicts)
  })

  it('lists method runs with their variant id, and tells a change of MagCache\'s ratios from one of the variants', async () => {
    const m = manifest(YAML, { ...grid, methods: [fbc, mag([1, 1.1])] })
    expect(m.runs.filter((r) => r.method).map((r) => [r.id, r.method])).toEqual([['p0-s1/fbc0.05', 'fbc0.05'], ['p0-s1/magcache0.06', 'magcache0.06'], ['p1-s1/fbc0.05', 'fbc0.05'], ['p1-s1/magcache0.06', 'magcache0.06']])
    // TeaCache runs carry no method key: their entries are what they were.
    expect(m.runs[0]).toEqual({ id: 'p0-s1/baseline', prompt_index: 0, seed: 1, threshold: null })
    const dir = tempDir('tc-manifest-')
    await writeManifest(dir, m)
    expect(await readManifest(dir)).toEqual(m)
    expect(manifestConflicts(m, manifest(YAML, { ...grid, methods: [fbc, mag([1, 1.2])] }))).toEqual(['p0-s1/magcache0.06 (and 1 more run): method.params.ratios: [1,1.1] -> [1,1.2]'])
  })
})

describe('a growing sweep.json', () => {
  const date = new Date('2025-01-02T03:04:05.000Z')
  const grown = growManifest(manifest(), manifest(YAML, { ...grid, thresholds: [0.1, 0.2, 0.3], seeds: [1, 2] }), date)

  it('records each growth: when, what each list gained and how many runs that added; the run list follows the grid', () => {
    expect(grown.grid).toEqual({ prompts: ['a', 'b'], seeds: [1, 2], thresholds: [0.1, 0.2, 0.3] })
    expect(grown.history).toEqual([{ date: '2025-01-02T03:04:05.000Z', added: { seeds: [2], thresholds: [0.3] }, runs: 16 - 6 }])
    expect(grown.runs).toHaveLength(2 * 2 * 4)
    const again = growManifest(grown, manifest(YAML, { ...grid, prompts: ['a', 'b', 'c'] }), new Date('2025-02-01T00:00:00.000Z'))
    expect(again.history!.map((h) => [h.added, h.runs])).toEqual([[{ seeds: [2], thresholds: [0.3] }, 10], [{ prompts: ['c'] }, 8]])
    expect(manifestSchema.safeParse(again).success).toBe(true)
  })

  it('names a method variant it gained by its run id, so sweep.json reads back', () => {
    const withFbc = growManifest(manifest(), manifest(YAML, { ...grid, methods: [fbc] }), date)
    expect(withFbc.history).toEqual([{ date: '2025-01-02T03:04:05.000Z', added: { methods: ['fbc0.05'] }, runs: 2 }])
    expect(manifestSchema.safeParse(withFbc).success).toBe(true)
  })

  it('is the folder\'s own manifest, unchanged, when the command adds nothing', () => {
    expect(growManifest(grown, manifest(YAML, { ...grid, thresholds: [0.2] }), new Date())).toBe(grown)
    expect(sameSweep(grown, growManifest(grown, manifest(), new Date()))).toBe(true)
    expect(sameSweep(grown, manifest())).toBe(false)
  })

  it('replaces only the manifest it grew from; one grown meanwhile to the same grid is left as it is', async () => {
    const dir = tempDir('tc-grow-')
    await writeManifest(dir, manifest())
    await writeManifest(dir, grown, { grownFrom: manifest() })
    expect(await readManifest(dir)).toEqual(grown)
    // Another process of the grown sweep read the old manifest too: it finds its grid there and writes nothing.
    const later = { ...grown, history: [{ ...grown.history![0], date: '2030-01-01T00:00:00.000Z' }] }
    await writeManifest(dir, later, { grownFrom: manifest() })
    expect((await readManifest(dir))!.history![0].date).toBe('2025-01-02T03:04:05.000Z')
    // A grid that changed to something else meanwhile is not overwritten.
    const other = growManifest(manifest(), manifest(YAML, { ...grid, seeds: [1, 9] }), date)
    await expect(writeManifest(dir, other, { grownFrom: manifest() })).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/was claimed by another sweep meanwhile/) })
    expect(await readManifest(dir)).toEqual(grown)
  })
})
