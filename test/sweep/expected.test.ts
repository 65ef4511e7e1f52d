import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config/load.ts'
import { makeVariant } from '../../src/methods/variant.ts'
import { cellSettings } from '../../src/sweep/expected.ts'
import { buildRuns, type Grid } from '../../src/sweep/grid.ts'
import { buildManifest, type SweepManifest } from '../../src/sweep/manifest.ts'
import { runConfig } from '../../src/sweep/cell-config.ts'
import { fingerprint, runSettings } from '../../src/records/settings.ts'

/**
 * A report has only sweep.json, a resume has the config: both must expect the same settings of
 * every cell, or a run would be kept by one and excluded by the other.
 */
const YAML = 'model: tiny\nprompt: "unused"\nseed: 7\nsteps: 4\nheight: 16\nwidth: 16\nframes: 5\ndevice: cpu\nthreads: 1\nteacache:\n  rel_l1_thresh: 0.3\n  coefficients: [0, 0, 0, 1, 0]\n'
const config = parseConfig(YAML, '/x/c.yaml')
const grid: Grid = {
  prompts: ['a cat', 'a dog'],
  seeds: [1, 2],
  thresholds: [0.1, 0.5],
  compile: ['none', 'blocks'],
  methods: [makeVariant('fbc', { threshold: 0.05 }), makeVariant('pab', {})],
}
/** sweep.json as a report reads it: written, then parsed back. */
const readBack = (c = config): SweepManifest => JSON.parse(JSON.stringify(buildManifest(c, grid)))

describe('cellSettings', () => {
  it.each(buildRuns(grid).map((spec) => [spec.id, spec] as const))('%s: from sweep.json, what the sweep runs it with', (_, spec) => {
    const resumed = runSettings(runConfig(config, spec, '/sweeps/s'))
    expect(cellSettings(readBack(), spec)).toEqual(resumed)
    expect(fingerprint(cellSettings(readBack(), spec))).toBe(fingerprint(resumed))
  })

  it('differs from every cell of a sweep with other shared settings', () => {
    const other = readBack(parseConfig(YAML.replace('steps: 4', 'steps: 5'), '/x/c.yaml'))
    for (const spec of buildRuns(grid)) expect(fingerprint(cellSettings(other, spec))).not.toBe(fingerprint(cellSettings(readBack(), spec)))
  })

  it('tells the cells of one sweep apart', () => {
    const prints = buildRuns(grid).map((spec) => fingerprint(cellSettings(readBack(), spec)))
    expect(new Set(prints).size).toBe(prints.length)
  })
})
