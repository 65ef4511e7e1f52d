import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Command } from 'commander'
import { addOverrides, choicesOf, flagOf, keyOf, overrideArgs, overridesFor, parseOverride, splitOverrides } from '../../src/cli/overrides.ts'
import { parseConfig } from '../../src/config/load.ts'
import { CONFIG_KEYS, OVERRIDABLE, TEACACHE_KEYS, type OverridableField } from '../../src/config/schema.ts'
import { MINIMAL_CONFIG } from '../helpers/configs.ts'

const row = (field: string): OverridableField => OVERRIDABLE.find((r) => r.field === field)!

const CONFIG = `${MINIMAL_CONFIG}  coefficients: [0, 0, 0, 1, 0]\n`

describe('the override table', () => {
  it.each(OVERRIDABLE.map((r) => [r.field, r] as const))('%s names a field of the config schema', (field, r) => {
    const [top, leaf] = field.split('.')
    expect(leaf === undefined ? CONFIG_KEYS : TEACACHE_KEYS).toContain(leaf ?? top)
    expect(r.commands.length).toBeGreaterThan(0)
    expect(r.help).not.toBe('')
  })

  it.each([
    ['model', '--model'],
    ['rel_l1_thresh', '--rel-l1-thresh'],
    ['cpu_offload', '--cpu-offload'],
    ['guidance_scale', '--guidance-scale'],
    ['coefficients', '--coefficients'],
  ])('%s is the flag %s', (key, flag) => {
    expect(flagOf(OVERRIDABLE.find((r) => keyOf(r) === key)!)).toBe(flag)
  })

  it.each([
    ['run', ['--model', '--prompt', '--negative-prompt', '--image', '--seed', '--steps', '--guidance-scale', '--height', '--width', '--frames', '--fps', '--device', '--dtype', '--cpu-offload', '--threads', '--generator', '--compile', '--rel-l1-thresh', '--coefficients']],
    // sweep's --seeds, --prompts, --thresholds and --compile are grid lists, written out in cli.ts
    ['sweep', ['--model', '--negative-prompt', '--image', '--steps', '--guidance-scale', '--height', '--width', '--frames', '--fps', '--device', '--dtype', '--cpu-offload', '--threads', '--generator', '--coefficients']],
    // plan measures timestep embeddings only: no size, prompt or seed changes them
    ['plan', ['--model', '--steps', '--guidance-scale', '--device', '--dtype', '--cpu-offload', '--threads', '--coefficients']],
    // calibrate makes coefficients and writes no video
    ['calibrate', ['--model', '--prompt', '--negative-prompt', '--image', '--seed', '--steps', '--guidance-scale', '--height', '--width', '--frames', '--device', '--dtype', '--cpu-offload', '--threads', '--generator', '--compile']],
  ] as const)('%s takes %j', (command, flags) => {
    expect(overridesFor(command).map(flagOf)).toEqual(flags)
  })

  it.each([
    ['dtype', ['auto', 'float32', 'float16', 'bfloat16']],
    ['cpu_offload', ['none', 'model', 'sequential']],
    ['generator', ['cpu', 'device']],
    ['compile', ['none', 'blocks']],
    ['steps', null],
    ['device', null],
  ])('the choices of %s come from its schema: %j', (field, choices) => {
    expect(choicesOf(row(field))).toEqual(choices)
  })
})

describe('parseOverride', () => {
  it.each([
    ['steps', '6', 6],
    ['height', '768', 768],
    ['guidance_scale', '6.5', 6.5],
    ['teacache.rel_l1_thresh', '0', 0],
    ['seed', '4294967295', 4294967295],
    ['device', 'cuda:1', 'cuda:1'],
    ['dtype', 'bfloat16', 'bfloat16'],
    ['model', 'THUDM/CogVideoX1.5-5B', 'THUDM/CogVideoX1.5-5B'],
    ['teacache.coefficients', 'k.yaml', 'k.yaml'],
  ])('%s %j is %j', (field, text, value) => {
    expect(parseOverride(row(field), text)).toBe(value)
  })

  it.each([
    ['height', '0', '--height: expected a height in pixels of 1 or more, got "0"'],
    ['height', '64.5', '--height: expected a height in pixels, got "64.5"'],
    ['height', 'tall', '--height: expected an integer, got "tall"'],
    ['height', '', '--height: expected an integer, got ""'],
    ['frames', '99999', '--frames: expected a frame count of at most 1025, got "99999"'],
    ['steps', '1', '--steps: expected at least 2 steps (the first and last are always computed), got "1"'],
    ['seed', '-1', '--seed: expected a seed from 0 to 4294967295, got "-1"'],
    ['guidance_scale', 'NaN', '--guidance-scale: expected a number, got "NaN"'],
    ['teacache.rel_l1_thresh', '9', '--rel-l1-thresh: expected a threshold of at most 5; larger ones skip every step but the first and last, got "9"'],
    ['device', 'gpu', '--device: expected "auto", "cpu", "cuda" or "cuda:N", got "gpu"'],
    ['dtype', 'fp8', '--dtype: expected one of auto, float32, float16, bfloat16, got "fp8"'],
    ['cpu_offload', 'yes', '--cpu-offload: expected one of none, model, sequential, got "yes"'],
    ['model', '', '--model: expected a hub id, a local folder or "tiny", got ""'],
    ['teacache.coefficients', '', '--coefficients: expected a path to a coefficients file, got ""'],
  ])('%s %j: %s', (field, text, message) => {
    expect(() => parseOverride(row(field), text)).toThrow(expect.objectContaining({ code: 'CONFIG', exitCode: 2, message }))
  })
})

describe('overrides through commander', () => {
  const parse = (command: 'run' | 'sweep', argv: string[]) => {
    const cmd = addOverrides(new Command('x').exitOverride().configureOutput({ writeErr: () => {} }).option('--output <dir>'), command)
    cmd.parse(argv, { from: 'user' })
    return splitOverrides(cmd.opts(), command)
  }

  it('splits the overrides from the command\'s own flags, parsed', () => {
    expect(parse('run', ['--steps', '6', '--cpu-offload', 'model', '--rel-l1-thresh', '0.2', '--output', 'o'])).toEqual({
      overrides: { steps: 6, cpu_offload: 'model', rel_l1_thresh: 0.2 },
      rest: { output: 'o' },
    })
  })

  it('gives a command only its overrides', () => {
    expect(() => parse('sweep', ['--rel-l1-thresh', '0.2'])).toThrow(/unknown option/)
  })

  it.each([
    [{ steps: 6, height: 32 }],
    [{ model: 'tiny', prompt: 'a dog', negative_prompt: 'blur', seed: 7, guidance_scale: 4.5, fps: 8, device: 'cpu', dtype: 'float32', cpu_offload: 'model', threads: 2, generator: 'device', compile: 'blocks', rel_l1_thresh: 0.1 }],
  ])('overrideArgs gives the flags back: %j', (overrides) => {
    expect(parse('run', overrideArgs(overrides)).overrides).toEqual(overrides)
  })

  it('overrideArgs makes paths absolute for processes in other folders', () => {
    expect(overrideArgs({ image: 'a.png', coefficients: 'k.yaml', model: './m' })).toEqual(['--model', resolve('m'), '--image', resolve('a.png'), '--coefficients', resolve('k.yaml')])
    expect(overrideArgs({ model: 'THUDM/CogVideoX1.5-5B' })).toEqual(['--model', 'THUDM/CogVideoX1.5-5B'])
  })
})

describe('every override reaches the config', () => {
  const values: Record<string, string> = {
    model: 'tiny-i2v', prompt: 'a dog', negative_prompt: 'blur', image: 'first.png', seed: '7', steps: '9', guidance_scale: '4.5', height: '32', width: '48',
    frames: '9', fps: '8', device: 'cuda:1', dtype: 'bfloat16', cpu_offload: 'sequential', threads: '3', generator: 'device', compile: 'blocks', rel_l1_thresh: '0.15',
  }
  it.each(OVERRIDABLE.filter((r) => r.field !== 'teacache.coefficients').map((r) => [r.field, r] as const))('%s', (field, r) => {
    const value = parseOverride(r, values[keyOf(r)])
    const config = parseConfig(CONFIG, '/configs/c.yaml', { [keyOf(r)]: value }, '/cwd') as unknown as Record<string, Record<string, unknown>>
    const [top, leaf] = field.split('.')
    const got = leaf === undefined ? config[top] : config[top][leaf]
    expect(got).toBe(field === 'image' ? '/cwd/first.png' : value)
  })

  it('teacache.coefficients: the file is read from the cwd, and a bad one is blamed on the flag', () => {
    expect(() => parseConfig(CONFIG, '/configs/c.yaml', { coefficients: 'nowhere.yaml' }, '/cwd')).toThrow(/^--coefficients: .*\/cwd\/nowhere\.yaml/)
  })
})
