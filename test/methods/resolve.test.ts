import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config/load.ts'
import { resolveMethods, splitMethods } from '../../src/methods/resolve.ts'
import { COEFFICIENTS_FORMAT, formatCoefficientsFile, type CoefficientsFile } from '../../src/policy/coefficients-file.ts'
import { tempDir } from '../helpers/cli.ts'

const dir = tempDir('tc-methods-')
const RATIOS = [1, 1.04, 0.96, 1.01, 1.03, 0.98]
const file = (steps: number, magcache: boolean): CoefficientsFile => ({
  format: COEFFICIENTS_FORMAT,
  coefficients: [0, 0, 0, 1, 0],
  command: 'teacache calibrate c.yaml',
  created_at: '2026-01-01T00:00:00.000Z',
  fitted_on: {
    model: 'tiny', transformer_class: 'CogVideoXTransformer3DModel', version: '1.5', task: 't2v', num_layers: 2, num_attention_heads: 2,
    height: 32, width: 32, frames: 9, steps, guidance_scale: 6, use_dynamic_cfg: true, dtype: 'float32', prompts: 1, seed: 42,
  },
  fit: { degree: 4, pairs: 5, r2: 0.5, rmse: 0.1, x_min: 0.1, x_max: 1, teacache: '0.1.0' },
  ...(magcache ? { magcache: { ratios: RATIOS } } : {}),
})
mkdirSync(join(dir, 'coefficients'))
writeFileSync(join(dir, 'coefficients', 'with.yaml'), formatCoefficientsFile(file(6, true)))
writeFileSync(join(dir, 'coefficients', 'other-steps.yaml'), formatCoefficientsFile(file(20, true)))
writeFileSync(join(dir, 'coefficients', 'without.yaml'), formatCoefficientsFile(file(6, false)))

const config = (coefficients = '[0, 0, 0, 1, 0]', guidance = 6) =>
  parseConfig(`model: tiny\nprompt: "p"\nsteps: 6\nheight: 32\nwidth: 32\nframes: 9\nguidance_scale: ${guidance}\nteacache:\n  rel_l1_thresh: 0.3\n  coefficients: ${coefficients}\n`, join(dir, 'c.yaml'))
const resolve = (entries: unknown[], c = config(), source: '--methods' | 'sweep.methods' = '--methods') => resolveMethods(entries, { source, baseDir: dir, config: c })

describe('a method list', () => {
  it('splits --methods on commas, refusing empty items', () => {
    expect(splitMethods('teacache:0.1, fbc:0.05,pab')).toEqual(['teacache:0.1', 'fbc:0.05', 'pab'])
    expect(() => splitMethods('fbc,,pab')).toThrow('--methods: expected a comma-separated list without empty items, got "fbc,,pab"')
  })

  it('turns TeaCache entries into thresholds (bare teacache is the config\'s) and the rest into variants', () => {
    const resolved = resolve(['teacache:0.1', 'teacache', 'fbc:0.05', 'pab'])
    expect(resolved.thresholds).toEqual([0.1, 0.3])
    expect(resolved.variants.map((v) => v.id)).toEqual(['fbc0.05', 'pab'])
    expect(resolved.warnings).toEqual([])
  })

  it.each([
    [['teacache:0.1', 'teacache:0.1'], '--methods: teacache 0.1 is listed twice; every run of a sweep must differ'],
    [['fbc', 'fbc:0.05'], '--methods: the same variant as fbc (run id fbc0.05); every run of a sweep must differ'],
    [['seacache'], /^--methods: seacache: refused: SeaCache cannot work on CogVideoX/],
    [['nope'], /^--methods: unknown method "nope"/],
  ])('refuses %j before anything starts', (entries, message) => {
    expect(() => resolve(entries)).toThrow(message)
    try {
      resolve(entries)
    } catch (error) {
      expect(error).toMatchObject({ code: 'CONFIG', exitCode: 2 })
    }
  })

  it('names config entries by their index', () => {
    expect(() => resolve(['fbc', { method: 'fbc', threshold: 0.05 }], config(), 'sweep.methods')).toThrow('sweep.methods[1]: the same variant as sweep.methods[0] (run id fbc0.05)')
  })

  it('refuses FasterCache when the config runs no classifier-free guidance', () => {
    expect(() => resolve(['fastercache'], config(undefined, 1))).toThrow(/^--methods: fastercache: refused: FasterCache approximates the unconditional half/)
  })

  describe('MagCache\'s ratios', () => {
    it('come from the file teacache.coefficients names', () => {
      const { variants, warnings } = resolve(['magcache'], config('coefficients/with.yaml'))
      expect(variants[0]).toMatchObject({ id: 'magcache0.06', params: { ratios: RATIOS } })
      expect(warnings).toEqual([])
    })

    it('or from ratios=<file>, relative to where the list was written', () => {
      expect(resolve(['magcache:0.1:ratios=coefficients/with.yaml']).variants[0].params.ratios).toEqual(RATIOS)
      expect(resolve([{ method: 'magcache', ratios: [1, 2, 3] }], config(), 'sweep.methods').variants[0].params.ratios).toEqual([1, 2, 3])
    })

    it('warn when they were measured on another setting', () => {
      const { warnings } = resolve(['magcache:ratios=coefficients/other-steps.yaml'])
      expect(warnings).toEqual([expect.stringMatching(/^--methods: magcache: the ratios in .*other-steps\.yaml were measured on another setting \(steps 20 -> 6\); diffusers resamples them/)])
    })

    it('without any, refuse MagCache with the command that measures them', () => {
      expect(() => resolve(['magcache'])).toThrow(
        new RegExp(`^--methods: magcache needs the residual magnitude ratios of this model, which diffusers has for FLUX only, and the config names no file holding them: run \`teacache calibrate .*c\\.yaml\` \\(it writes them into .*coefficients/c\\.yaml beside the TeaCache coefficients\\), then set teacache.coefficients: .*coefficients/c\\.yaml in the config or give magcache:ratios=`),
      )
    })

    it('from a coefficients file made before calibrate measured them, refuse with the command that remakes it', () => {
      expect(() => resolve(['magcache'], config('coefficients/without.yaml'))).toThrow(/teacache\.coefficients \(.*without\.yaml\) holds none: run `teacache calibrate .*c\.yaml --output .*without\.yaml --force`/)
      expect(() => resolve(['magcache:ratios=coefficients/without.yaml'])).toThrow(/ratios: .*without\.yaml holds no MagCache ratios .*--output .*without\.yaml --force`$/)
      expect(() => resolve(['magcache:ratios=coefficients/missing.yaml'])).toThrow(/--methods: ratios: .*missing\.yaml does not exist; expected a file written by teacache calibrate/)
    })
  })
})
