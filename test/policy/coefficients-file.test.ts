import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig, parseConfig } from '../../src/config/load.ts'
import { isTeacacheError } from '../../src/errors.ts'
import {
  COEFFICIENTS_FORMAT, coefficientsForRun, formatCoefficientsFile, parseCoefficientsFile, settingDifferences, type CoefficientsFile,
} from '../../src/policy/coefficients-file.ts'
import { tempDir } from '../helpers/cli.ts'

const FILE: CoefficientsFile = {
  format: COEFFICIENTS_FORMAT,
  coefficients: [1640.6693187376618, -5989.410410379156, 8136.699964213994, -4874.185678997974, 0.1 + 0.2],
  command: "teacache calibrate configs/tiny.yaml --prompts 'my prompts.txt'",
  created_at: '2025-01-01T00:00:00.000Z',
  fitted_on: {
    model: 'tiny', transformer_class: 'CogVideoXTransformer3DModel', version: '1.5', task: 't2v', num_layers: 2, num_attention_heads: 2,
    height: 64, width: 64, frames: 17, steps: 20, guidance_scale: 6, use_dynamic_cfg: true, dtype: 'float32', prompts: 3, seed: 42,
  },
  fit: { degree: 4, pairs: 57, r2: 0.93, rmse: 0.01, x_min: 0.7, x_max: 1.07, teacache: '0.1.0' },
}
const SETTING = { model: 'tiny', height: 64, width: 64, frames: 17, steps: 20, guidance_scale: 6, use_dynamic_cfg: true }
const FACTS = { transformer_class: 'CogVideoXTransformer3DModel', version: '1.5', task: 't2v', num_layers: 2, num_attention_heads: 2 } as const

describe('the coefficients file', () => {
  it('round-trips every number exactly and starts with the command that made it', () => {
    const text = formatCoefficientsFile(FILE)
    expect(parseCoefficientsFile(text, 'x.yaml')).toEqual(FILE)
    expect(text).toMatch(/^# .*\n# Made with: teacache calibrate configs\/tiny\.yaml --prompts 'my prompts\.txt'\n/)
    expect(text).toMatch(/^coefficients: \[ 1640\.6693187376618, .* \]$/m)
  })

  it('carries MagCache\'s ratios when calibrate measured them, and reads older files without', () => {
    const withRatios = { ...FILE, magcache: { ratios: [1, 1.0363640785217285, 0.959359347820282] } }
    const text = formatCoefficientsFile(withRatios)
    expect(parseCoefficientsFile(text, 'x.yaml')).toEqual(withRatios)
    expect(text).toMatch(/^# magcache\.ratios: MagCache's residual magnitude ratios per step/m)
    expect(parseCoefficientsFile(formatCoefficientsFile(FILE), 'x.yaml').magcache).toBeUndefined()
    expect(() => parseCoefficientsFile(formatCoefficientsFile({ ...FILE, magcache: { ratios: [1, -1] } }), 'x.yaml')).toThrow(/magcache\.ratios\[1\]: expected positive ratios/)
  })

  it.each([
    ['another format', (t: string) => t.replace(COEFFICIENTS_FORMAT, 'other/1'), /format: expected "teacache-coefficients\/1"/],
    ['four coefficients', (t: string) => t.replace(/, 0\.30000000000000004 \]/, ' ]'), /coefficients: expected 5 numbers/],
    ['a missing record', (t: string) => t.replace(/^fitted_on:[\s\S]*?^fit:/m, 'fit:'), /fitted_on: /],
    ['broken YAML', () => 'coefficients: [1, 2', /x\.yaml: YAML syntax error/],
  ])('rejects %s, naming the file', (_, change, message) => {
    expect(() => parseCoefficientsFile(change(formatCoefficientsFile(FILE)), 'x.yaml')).toThrow(message)
  })
})

describe('settingDifferences and coefficientsForRun', () => {
  it('lists every setting and architecture fact that differs', () => {
    expect(settingDifferences(FILE.fitted_on, SETTING, FACTS)).toEqual([])
    expect(settingDifferences(FILE.fitted_on, { ...SETTING, steps: 6, width: 128 }, { ...FACTS, num_layers: 42 })).toEqual([
      'width 64 -> 128', 'steps 20 -> 6', 'num_layers 2 -> 42',
    ])
  })

  const config = (over: object) => ({ ...SETTING, teacache: { rel_l1_thresh: 1, coefficients: FILE.coefficients }, coefficientsFile: { ...FILE, path: '/x/c.yaml' }, ...over })
  it.each([
    ['the fitted setting', {}, null],
    ['another step count', { steps: 6 }, /^teacache\.coefficients: \/x\/c\.yaml was fitted on another setting \(steps 20 -> 6\); .*teacache calibrate$/],
    ['threshold 0 (the polynomial is unused)', { steps: 6, teacache: { rel_l1_thresh: 0, coefficients: FILE.coefficients } }, null],
  ])('on %s: warns as expected', (_, over, warning) => {
    const chosen = coefficientsForRun(config(over), FACTS)
    expect(chosen).toMatchObject({ coefficients: FILE.coefficients, source: 'file:/x/c.yaml' })
    if (warning === null) expect(chosen.warning).toBeNull()
    else expect(chosen.warning).toMatch(warning)
  })
})

describe('teacache.coefficients in a config', () => {
  const dir = tempDir('tc-coef-')
  mkdirSync(join(dir, 'configs', 'coefficients'), { recursive: true })
  writeFileSync(join(dir, 'configs', 'coefficients', 'tiny.yaml'), formatCoefficientsFile(FILE))
  writeFileSync(join(dir, 'other.yaml'), formatCoefficientsFile({ ...FILE, coefficients: [1, 2, 3, 4, 5] }))
  const BASE = 'model: tiny\nprompt: a cat\nsteps: 4\nheight: 64\nwidth: 64\nframes: 17\nteacache:\n  rel_l1_thresh: 0.3\n'
  const config = join(dir, 'configs', 'c.yaml')
  writeFileSync(config, `${BASE}  coefficients: coefficients/tiny.yaml\n`)

  it('reads a file relative to the config, keeping its record', async () => {
    const loaded = await loadConfig(config, {}, '/elsewhere')
    expect(loaded.teacache.coefficients).toEqual(FILE.coefficients)
    expect(loaded.coefficientsFile).toMatchObject({ path: join(dir, 'configs', 'coefficients', 'tiny.yaml'), fitted_on: { steps: 20 } })
  })

  it('takes --coefficients relative to the cwd, over the config', async () => {
    const loaded = await loadConfig(config, { coefficients: 'other.yaml' }, dir)
    expect(loaded.teacache.coefficients).toEqual([1, 2, 3, 4, 5])
    expect(loaded.coefficientsFile?.path).toBe(join(dir, 'other.yaml'))
  })

  it('keeps a list as a list, with no file record', () => {
    const loaded = parseConfig(`${BASE}  coefficients: [1, 2, 3, 4, 5]\n`, config)
    expect(loaded.teacache.coefficients).toEqual([1, 2, 3, 4, 5])
    expect(loaded.coefficientsFile).toBeUndefined()
  })

  it('can leave the file unread (calibrate writes it)', () => {
    const loaded = parseConfig(`${BASE}  coefficients: coefficients/missing.yaml\n`, config, {}, dir, { coefficientsFile: 'ignore' })
    expect(loaded.teacache.coefficients).toBeUndefined()
  })

  it.each([
    ['a missing file', `${BASE}  coefficients: coefficients/missing.yaml\n`, {}, /^teacache\.coefficients: .*coefficients\/missing\.yaml does not exist; expected a file written by teacache calibrate/],
    ['a missing --coefficients file', BASE, { coefficients: 'nope.yaml' }, /^--coefficients: .*nope\.yaml does not exist/],
    ['a file that is not a coefficients file', `${BASE}  coefficients: c.yaml\n`, {}, /^teacache\.coefficients: .*c\.yaml: not a usable coefficients file\n {2}format: /],
    ['a number', `${BASE}  coefficients: 3\n`, {}, /teacache\.coefficients: expected 5 numbers \(highest power first\) or the path of a coefficients file/],
    ['an empty path', `${BASE}  coefficients: ""\n`, {}, /teacache\.coefficients: expected a path to a coefficients file/],
  ])('rejects %s as a config error', (_, text, overrides, message) => {
    let caught: unknown
    try {
      parseConfig(text, config, overrides, dir)
    } catch (error) {
      caught = error
    }
    expect(isTeacacheError(caught, 'CONFIG')).toBe(true)
    expect((caught as Error).message).toMatch(message)
  })

  it('the shipped tiny configs name committed files fitted on their own setting', async () => {
    for (const name of ['tiny', 'tiny-i2v', 'tiny-1.0', 'tiny-1.0-i2v']) {
      const loaded = await loadConfig(join('configs', `${name}.yaml`))
      const file = loaded.coefficientsFile!
      expect(file.command).toMatch(new RegExp(`^teacache calibrate configs/${name.replace('.', '\\.')}\\.yaml( --force)?$`))
      expect(settingDifferences(file.fitted_on, loaded)).toEqual([])
      expect(readFileSync(file.path.replace(/\.yaml$/, '.svg'), 'utf8')).toMatch(/^<svg /)
    }
  })
})
