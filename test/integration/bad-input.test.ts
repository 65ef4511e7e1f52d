import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT, pythonTripwire, teacache, tempDir } from '../helpers/cli.ts'

/**
 * Bad input fails before any model work: exit code 2, one message naming the field or file,
 * nothing written, and Python never started.
 */
const tiny = readFileSync(join(ROOT, 'configs', 'tiny.yaml'), 'utf8')
const tinyI2v = readFileSync(join(ROOT, 'configs', 'tiny-i2v.yaml'), 'utf8')

const cases: Array<{ name: string; config?: string; args?: string[]; message: RegExp }> = [
  { name: 'unknown key', config: `${tiny}promt: hi\n`, message: /promt: unknown key \(did you mean "prompt"\?\)/ },
  { name: 'wrong type', config: tiny.replace('seed: 42', 'seed: "forty-two"'), message: /seed: / },
  { name: 'negative threshold', config: tiny.replace('rel_l1_thresh: 1.0', 'rel_l1_thresh: -0.5'), message: /teacache\.rel_l1_thresh: expected a threshold of 0 or more/ },
  { name: 'negative threshold flag', args: ['--rel-l1-thresh', '-1'], message: /--rel-l1-thresh.*expected a number >= 0/ },
  { name: 'missing image for I2V', config: tinyI2v.replace('image: first-frame.png\n', ''), message: /^teacache: image: this model is image-to-video/ },
  { name: 'image that does not exist', config: tinyI2v.replace('image: first-frame.png', 'image: /nowhere/first.png'), message: /image: \/nowhere\/first\.png does not exist/ },
  { name: 'image given to a T2V model', config: `${tiny}image: /etc/hostname\n`, message: /image: this model is text-to-video/ },
  { name: 'missing model folder', args: ['--model', '/nowhere/CogVideoX1.5-5B'], message: /model: \/nowhere\/CogVideoX1\.5-5B: the folder does not exist/ },
  { name: 'hub id not in the cache', args: ['--model', 'THUDM/CogVideoX1.5-5B'], message: /model: THUDM\/CogVideoX1\.5-5B is not in the local Hugging Face cache/ },
  { name: 'frames the VAE cannot take', config: tiny.replace('frames: 17', 'frames: 16'), message: /frames: expected 4k\+1 frames/ },
  { name: 'missing config file', args: ['/nowhere/config.yaml'], message: /\/nowhere\/config\.yaml: cannot read the config/ },
  { name: 'unknown flag', args: ['--treshold', '0.1'], message: /unknown option '--treshold'/ },
  { name: 'non-numeric seed flag', args: ['--seed', 'abc'], message: /--seed.*expected an integer/ },
]

describe('bad input', () => {
  it.each(cases)('$name', async ({ config, args = [], message }) => {
    const dir = tempDir('tc-bad-')
    const file = join(dir, 'config.yaml')
    writeFileSync(file, (config ?? tiny).replace('image: first-frame.png', `image: ${join(ROOT, 'configs', 'first-frame.png')}`))
    const out = join(dir, 'out')
    const trip = pythonTripwire()
    const configArg = args[0]?.startsWith('/nowhere/config') ? [] : [file]
    const result = await teacache(['run', ...configArg, ...args, '--output', out], { env: trip.env })
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(message)
    expect(result.stderr.trim().split('\n')[0]).toMatch(/^(teacache: |error: )/)
    expect(result.stdout).toBe('')
    expect(readdirSync(dir).sort()).toEqual(['config.yaml'])
    expect(trip.started()).toBe(false)
  })

  it('an output folder with files in it is refused without --force and left untouched', async () => {
    const dir = tempDir('tc-bad-')
    const out = join(dir, 'out')
    mkdirSync(out)
    writeFileSync(join(out, 'run.json'), '{"keep": true}')
    const trip = pythonTripwire()
    const result = await teacache(['run', 'configs/tiny.yaml', '--output', out], { env: trip.env })
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(/--output: .* already exists and is not empty/)
    expect(readFileSync(join(out, 'run.json'), 'utf8')).toBe('{"keep": true}')
    expect(trip.started()).toBe(false)
  })

  it('a model without coefficients or a preset is a clear error after loading, with nothing written', async () => {
    const dir = tempDir('tc-bad-')
    const file = join(dir, 'config.yaml')
    writeFileSync(file, tiny.replace(/ +coefficients: .*\n/, '').replace(/ +# .*\n/g, ''))
    const result = await teacache(['run', file, '--output', join(dir, 'out')])
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(/teacache\.coefficients: no published coefficients fit this model \(CogVideoXTransformer3DModel, CogVideoX 1\.5 T2V, 2 layers/)
    expect(readdirSync(dir)).toEqual(['config.yaml'])
  })
})

describe('help', () => {
  it.each([[['--help']], [['run', '--help']]])('%j lists the flags and never starts Python', async (args) => {
    const trip = pythonTripwire()
    const result = await teacache(args, { env: trip.env })
    expect(result.exitCode).toBe(0)
    expect(trip.started()).toBe(false)
    if (args[0] === 'run') {
      for (const flag of ['--rel-l1-thresh', '--model', '--prompt', '--image', '--seed', '--steps', '--output']) expect(result.stdout).toContain(flag)
    }
  })
})
