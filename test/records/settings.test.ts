import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config/load.ts'
import { buildRuns } from '../../src/sweep/grid.ts'
import { makeVariant } from '../../src/methods/variant.ts'
import { runConfig } from '../../src/sweep/cell-config.ts'
import { diffSettings, fingerprint, runSettings, sweepSettings } from '../../src/records/settings.ts'
import { canonicalJson } from '../../src/util/json.ts'

const YAML = 'model: tiny\nprompt: "p"\nsteps: 4\nheight: 16\nwidth: 16\nframes: 5\nthreads: 2\ndevice: cpu\nteacache:\n  rel_l1_thresh: 0.1\n  coefficients: [0, 0, 0, 1, 0]\nsweep:\n  thresholds: [0.1]\n'
const base = parseConfig(YAML, '/a/c.yaml')
const [baseline, cached] = buildRuns({ prompts: ['p0'], seeds: [42], thresholds: [0.2] })

describe('run settings and fingerprints', () => {
  it('leaves out where and on which device a run was made', () => {
    const settings = runSettings({ ...base, config_path: '/a/c.yaml' })
    for (const key of ['output', 'config_path', 'configPath', 'name', 'sweep', 'device', 'threads']) expect(settings).not.toHaveProperty(key)
    expect(settings).toMatchObject({ model: 'tiny', steps: 4, teacache: { enabled: true, rel_l1_thresh: 0.1 } })
    const moved = parseConfig(YAML.replace('device: cpu', 'device: cuda:1').replace('threads: 2', 'threads: 8'), '/elsewhere/c.yaml')
    expect(fingerprint(runSettings(moved))).toBe(fingerprint(settings))
  })

  it.each([
    { what: 'steps', change: (y: string) => y.replace('steps: 4', 'steps: 5') },
    { what: 'prompt', change: (y: string) => y.replace('prompt: "p"', 'prompt: "q"') },
    { what: 'threshold', change: (y: string) => y.replace('rel_l1_thresh: 0.1', 'rel_l1_thresh: 0.2') },
    { what: 'coefficients', change: (y: string) => y.replace('[0, 0, 0, 1, 0]', '[0, 0, 0, 2, 0]') },
    { what: 'dtype', change: (y: string) => `${y}dtype: float16\n` },
  ])('changes with $what', ({ change }) => {
    expect(fingerprint(runSettings(parseConfig(change(YAML), '/a/c.yaml')))).not.toBe(fingerprint(runSettings(base)))
  })

  it('a baseline ignores the threshold and coefficients; a sweep\'s shared settings ignore the grid', () => {
    const a = runConfig(base, baseline, '/s')
    const b = runConfig({ ...base, teacache: { ...base.teacache, rel_l1_thresh: 3, coefficients: [1, 1, 1, 1, 1] } }, baseline, '/s')
    expect(runSettings(a).teacache).toEqual({ enabled: false })
    expect(fingerprint(runSettings(a))).toBe(fingerprint(runSettings(b)))
    expect(runSettings(runConfig(base, cached, '/s')).teacache).toEqual({ enabled: true, rel_l1_thresh: 0.2, coefficients: [0, 0, 0, 1, 0] })
    const shared = sweepSettings(runConfig(base, cached, '/s'))
    expect(shared).not.toHaveProperty('prompt')
    expect(shared).not.toHaveProperty('seed')
    expect(shared.teacache).toEqual({ coefficients: [0, 0, 0, 1, 0] })
    expect(sweepSettings(a)).toEqual(shared)
  })

  it('is independent of key order, and lists differences by dotted path', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: undefined } })).toBe('{"a":{"d":[2,1]},"b":1}')
    expect(fingerprint({ x: 1, y: 2 })).toBe(fingerprint({ y: 2, x: 1 }))
    expect(diffSettings({ steps: 20, teacache: { coefficients: [1] }, fps: 8 }, { steps: 6, teacache: { coefficients: [2] }, fps: 8, extra: true })).toEqual([
      'extra: (unset) -> true',
      'steps: 20 -> 6',
      'teacache.coefficients: [1] -> [2]',
    ])
  })

  it('maps a run spec onto the config: prompt, seed, threshold, output', () => {
    expect(runConfig(base, cached, join('/s'))).toMatchObject({ prompt: 'p0', seed: 42, output: '/s', sweep: undefined, teacache: { enabled: true, rel_l1_thresh: 0.2 } })
  })

  it('gives a method run TeaCache off and the method, and keeps every other run\'s fingerprint as it was', () => {
    const methods = [makeVariant('fbc', { threshold: 0.05 }), makeVariant('fbc', { threshold: 0.1 })]
    const runs = buildRuns({ prompts: ['p0'], seeds: [42], thresholds: [0.2], methods })
    const [withBaseline, withCached, fbc5, fbc10] = runs.map((r) => runConfig(base, r, '/s'))
    expect(fbc5).toMatchObject({ teacache: { enabled: false }, method: { name: 'fbc', params: { threshold: 0.05 } } })
    expect(fingerprint(runSettings(withBaseline))).toBe(fingerprint(runSettings(runConfig(base, baseline, '/s'))))
    expect(fingerprint(runSettings(withCached))).toBe(fingerprint(runSettings(runConfig(base, cached, '/s'))))
    expect(runSettings(withBaseline)).not.toHaveProperty('method')
    const prints = new Set([withBaseline, withCached, fbc5, fbc10].map((c) => fingerprint(runSettings(c))))
    expect(prints.size).toBe(4)
    // As run.json holds it (JSON round trip), a method run keeps its fingerprint: a resume skips it.
    expect(fingerprint(runSettings(JSON.parse(JSON.stringify(fbc5))))).toBe(fingerprint(runSettings(fbc5)))
  })
})
