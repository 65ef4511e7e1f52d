import { execFileSync } from 'node:child_process'
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig, parseConfig } from '../../src/config/load.ts'
import { isTeacacheError } from '../../src/errors.ts'
import { MINIMAL_CONFIG } from '../helpers/configs.ts'
import { releaseFifo } from '../helpers/fifo.ts'
import { tempDir } from '../helpers/temp.ts'

const BASE = MINIMAL_CONFIG
const at = '/configs/x.yaml'

function errorOf(text: string, overrides = {}): string {
  try {
    parseConfig(text, at, overrides, '/cwd')
  } catch (error) {
    if (!isTeacacheError(error, 'CONFIG')) throw error
    expect(error.exitCode).toBe(2)
    return error.message
  }
  throw new Error('expected the config to be rejected')
}

describe('parseConfig', () => {
  it('fills defaults and resolves paths against the config file', () => {
    const config = parseConfig(`${BASE}image: ../img/a.png\n`, at, {}, '/cwd')
    expect(config).toMatchObject({ seed: 42, guidance_scale: 6, fps: 16, device: 'auto', dtype: 'auto', cpu_offload: 'none', image: '/img/a.png', output: '/cwd/outputs', name: 'x' })
    expect(config.teacache).toEqual({ enabled: true, rel_l1_thresh: 0.3 })
  })

  it('applies command-line overrides, with their paths relative to the cwd', () => {
    const config = parseConfig(BASE, at, { seed: 7, steps: 9, prompt: 'a dog', image: 'b.png', model: './m', rel_l1_thresh: 0 }, '/cwd')
    expect(config).toMatchObject({ seed: 7, steps: 9, prompt: 'a dog', image: '/cwd/b.png', model: '/cwd/m' })
    expect(config.teacache.rel_l1_thresh).toBe(0)
  })

  it('keeps hub ids and built-in names as they are', () => {
    expect(parseConfig(BASE.replace('model: tiny', 'model: THUDM/CogVideoX1.5-5B'), at).model).toBe('THUDM/CogVideoX1.5-5B')
  })

  it.each([
    ['unknown key with a suggestion', `${BASE}promt: x\n`, /promt: unknown key \(did you mean "prompt"\?\)/],
    ['unknown teacache key', BASE.replace('rel_l1_thresh', 'rel_l1_thres'), /teacache\.rel_l1_thres: unknown key \(did you mean "rel_l1_thresh"\?\)/],
    ['wrong type', BASE.replace('steps: 4', 'steps: four'), /steps: expected an integer/],
    ['negative threshold', BASE.replace('0.3', '-0.1'), /teacache\.rel_l1_thresh: expected a threshold of 0 or more/],
    ['huge threshold', BASE.replace('0.3', '1e9'), /teacache\.rel_l1_thresh: expected a threshold of at most 5/],
    ['NaN threshold', BASE.replace('0.3', '.nan'), /teacache\.rel_l1_thresh: expected a number/],
    ['one step', BASE.replace('steps: 4', 'steps: 1'), /steps: expected at least 2 steps/],
    ['absurd steps', BASE.replace('steps: 4', 'steps: 100000'), /steps: expected at most 1000 steps/],
    ['fractional seed', `${BASE}seed: 1.5\n`, /seed: expected an integer/],
    ['empty prompt', BASE.replace('prompt: a cat', 'prompt: "  "'), /prompt: expected a non-empty prompt/],
    ['missing prompt', BASE.replace('prompt: a cat\n', ''), /prompt: /],
    ['missing teacache', BASE.slice(0, BASE.indexOf('teacache')), /teacache: /],
    ['bad device', `${BASE}device: gpu\n`, /device: expected "auto", "cpu", "cuda" or "cuda:N"/],
    ['bad dtype', `${BASE}dtype: fp8\n`, /dtype: /],
    ['short coefficient list', `${BASE}  coefficients: [1, 2]\n`, /teacache\.coefficients: expected 5 numbers/],
    ['non-number coefficient', `${BASE}  coefficients: [1, 2, 3, 4, x]\n`, /teacache\.coefficients\[4\]: expected a number/],
    ['YAML syntax error', `${BASE}prompt: [unclosed\n`, /x\.yaml:\d+:\d+: YAML syntax error/],
    ['a list at the top level', '- model: tiny\n', /expected a mapping of settings/],
    ['duplicate key', `${BASE}seed: 1\nseed: 2\n`, /YAML syntax error/],
  ])('%s', (_, text, message) => {
    expect(errorOf(text)).toMatch(message)
  })

  it('names the file in every message', () => {
    expect(errorOf(`${BASE}promt: x\n`).startsWith(`${at}: invalid config`)).toBe(true)
  })
})

describe('loadConfig', () => {
  it('reports a missing file by name', async () => {
    await expect(loadConfig('/nope/missing.yaml')).rejects.toThrow(/missing\.yaml: cannot read the config \(no such file\)/)
  })

  it.each(['tiny.yaml', 'tiny-i2v.yaml', 't2v.yaml', 'i2v.yaml'])('the shipped %s is valid', async (name) => {
    const config = await loadConfig(join('configs', name))
    expect(config.name).toBe(name.replace('.yaml', ''))
  })

  it('writes nothing while loading', async () => {
    const dir = tempDir('tc-load-')
    writeFileSync(join(dir, 'c.yaml'), BASE)
    await loadConfig(join(dir, 'c.yaml'))
    expect(readdirSync(dir)).toEqual(['c.yaml'])
  })
})

describe('paths and YAML in a config, read defensively', () => {
  it.each([
    ['output: ~/runs', (c: ReturnType<typeof parseConfig>) => c.output, '/home/tester/runs'],
    ['output: "~"', (c: ReturnType<typeof parseConfig>) => c.output, '/home/tester'],
    ['output: ./~/x', (c: ReturnType<typeof parseConfig>) => c.output, '/configs/~/x'],
    ['image: ~/first.png', (c: ReturnType<typeof parseConfig>) => c.image, '/home/tester/first.png'],
    ['model: ~/models/cog', (c: ReturnType<typeof parseConfig>) => c.model, '/home/tester/models/cog'],
  ])('%s is read as the home folder as a shell would', (line, pick, expected) => {
    const home = process.env.HOME
    process.env.HOME = '/home/tester'
    try {
      const text = line.startsWith('model:') ? BASE.replace('model: tiny', line) : `${BASE}${line}\n`
      expect(pick(parseConfig(text, at, {}, '/cwd'))).toBe(expected)
    } finally {
      process.env.HOME = home
    }
  })

  it('an alias bomb is a one-line config error, not billions of values', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((n, i) => `${n}: &${n} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`)].join('\n')
    expect(errorOf(`${bomb}\n${BASE}`)).toBe('/configs/x.yaml: YAML: expected at most 100 alias expansions (a YAML "alias bomb" expands to billions of values)')
  })

  it('a few aliases are fine', () => {
    const config = parseConfig(BASE.replace('prompt: a cat', 'prompt: &p a cat\nnegative_prompt: *p'), at, {}, '/cwd')
    expect(config.negative_prompt).toBe('a cat')
  })

  it('an alias to nothing is a YAML error of its own', () => {
    expect(errorOf(BASE.replace('prompt: a cat', 'prompt: *nowhere'))).toMatch(/^\/configs\/x\.yaml(:\d+:\d+)?: YAML/)
  })
})

describe('a config path that is no regular file', () => {
  const dir = tempDir('tc-load-fifo-')
  const fifo = join(dir, 'config.yaml')
  // Were the config opened blocking, this lets the read end instead of hanging the file.
  afterEach(() => releaseFifo(fifo))

  it.each([
    ['a FIFO with no writer', () => (execFileSync('mkfifo', [fifo]), fifo), 'a FIFO (named pipe), not a regular file'],
    ['a folder', () => dir, 'a folder, not a regular file'],
    ['a device', () => '/dev/zero', 'a device, not a regular file'],
  ])('refuses %s at once, naming it (exit 2)', async (_, path, problem) => {
    const file = path()
    await expect(loadConfig(file)).rejects.toMatchObject({ code: 'CONFIG', exitCode: 2, message: `${file}: cannot read the config (${problem})` })
  })
})
