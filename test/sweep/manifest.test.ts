import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config/load.ts'
import { buildManifest, manifestConflicts, readManifest, writeManifest } from '../../src/sweep/manifest.ts'
import { makeVariant } from '../../src/methods/variant.ts'

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
    const dir = mkdtempSync(join(tmpdir(), 'tc-manifest-'))
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
    { what: 'other thresholds', other: manifest(YAML, { ...grid, thresholds: [0.1] }), conflicts: ['thresholds: [0.1,0.2] -> [0.1]'] },
    { what: 'other prompts', other: manifest(YAML, { ...grid, prompts: ['b', 'a'] }), conflicts: ['prompts: the list differs'] },
    { what: 'other seeds', other: manifest(YAML, { ...grid, seeds: [1, 2] }), conflicts: ['seeds: [1] -> [1,2]'] },
    { what: 'methods added', other: manifest(YAML, { ...grid, methods: [fbc] }), conflicts: ['methods: [] -> ["fbc0.05"]'] },
  ])('$what: $conflicts', ({ other, conflicts }) => {
    expect(manifestConflicts(manifest(), other)).toEqual(conflicts)
  })

  it('lists method runs with their variant id, and tells a change of MagCache\'s ratios from one of the variants', async () => {
    const m = manifest(YAML, { ...grid, methods: [fbc, mag([1, 1.1])] })
    expect(m.runs.filter((r) => r.method).map((r) => [r.id, r.method])).toEqual([['p0-s1/fbc0.05', 'fbc0.05'], ['p0-s1/magcache0.06', 'magcache0.06'], ['p1-s1/fbc0.05', 'fbc0.05'], ['p1-s1/magcache0.06', 'magcache0.06']])
    // TeaCache runs carry no method key: their entries are what they were.
    expect(m.runs[0]).toEqual({ id: 'p0-s1/baseline', prompt_index: 0, seed: 1, threshold: null })
    const dir = mkdtempSync(join(tmpdir(), 'tc-manifest-'))
    await writeManifest(dir, m)
    expect(await readManifest(dir)).toEqual(m)
    expect(manifestConflicts(m, manifest(YAML, { ...grid, methods: [fbc, mag([1, 1.2])] }))).toEqual(['methods: ["fbc0.05","magcache0.06"] -> ["fbc0.05","magcache0.06"] (their parameters differ)'])
  })
})
