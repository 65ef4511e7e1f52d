import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT, pythonTripwire, teacache, tempDir } from '../helpers/cli.ts'
import { TINY_CONFIG } from '../helpers/configs.ts'

/**
 * Bad input fails before any model work: exit code 2, one message naming the field or file,
 * nothing written, and Python never started.
 */
const tiny = TINY_CONFIG
const tinyI2v = tiny.replace('model: tiny', 'model: tiny-i2v').replace('seed: 42', 'seed: 42\nimage: first-frame.png')

/** A pipeline folder whose transformer class would come from a Python file inside it. */
function customCheckpoint(): string {
  const dir = tempDir('tc-custom-')
  writeFileSync(join(dir, 'model_index.json'), JSON.stringify({ _class_name: 'CogVideoXPipeline', transformer: ['my_transformer', 'MyTransformer'] }))
  writeFileSync(join(dir, 'my_transformer.py'), 'raise SystemExit("remote code ran")\n')
  return dir
}

type Case = { name: string; config?: string; args?: string[]; command?: string[]; message: RegExp }
const t = (from: string, to: string) => tiny.replace(from, to)

const cases: Case[] = [
  // The config file itself
  { name: 'missing config file', command: ['run', '/nowhere/config.yaml'], message: /\/nowhere\/config\.yaml: cannot read the config \(no such file\)/ },
  { name: 'config is a folder', command: ['run', ROOT], message: /cannot read the config/ },
  { name: 'YAML syntax error', config: `${tiny}prompt: [unclosed\n`, message: /config\.yaml:\d+:\d+: YAML syntax error/ },
  { name: 'duplicate key', config: `${tiny}seed: 7\n`, message: /YAML syntax error: Map keys must be unique/ },
  { name: 'a list, not a mapping', config: '- model: tiny\n', message: /expected a mapping of settings/ },
  { name: 'unknown key', config: `${tiny}promt: hi\n`, message: /promt: unknown key \(did you mean "prompt"\?\)/ },
  { name: 'unknown teacache key', config: t('rel_l1_thresh: 1.0', 'rel_l1_tresh: 1.0'), message: /teacache\.rel_l1_tresh: unknown key \(did you mean "rel_l1_thresh"\?\)/ },
  // Types and ranges
  { name: 'wrong type', config: t('seed: 42', 'seed: "forty-two"'), message: /seed: / },
  { name: 'prompt that is a number', config: t(/prompt: .*/.exec(tiny)![0], 'prompt: 42'), message: /prompt: expected a text/ },
  { name: 'empty prompt', config: t(/prompt: .*/.exec(tiny)![0], 'prompt: ""'), message: /prompt: expected a non-empty prompt/ },
  { name: 'very long prompt', config: t(/prompt: .*/.exec(tiny)![0], `prompt: "${'a'.repeat(10_001)}"`), message: /prompt: expected at most 10000 characters/ },
  { name: 'negative threshold', config: t('rel_l1_thresh: 1.0', 'rel_l1_thresh: -0.5'), message: /teacache\.rel_l1_thresh: expected a threshold of 0 or more/ },
  { name: 'NaN threshold', config: t('rel_l1_thresh: 1.0', 'rel_l1_thresh: .nan'), message: /teacache\.rel_l1_thresh: expected a number/ },
  { name: 'huge threshold', config: t('rel_l1_thresh: 1.0', 'rel_l1_thresh: 1e12'), message: /teacache\.rel_l1_thresh: expected a threshold of at most 5/ },
  { name: 'steps 0', config: t('steps: 20', 'steps: 0'), message: /steps: expected at least 2 steps/ },
  { name: 'steps 1', config: t('steps: 20', 'steps: 1'), message: /steps: expected at least 2 steps/ },
  { name: 'absurd steps', config: t('steps: 20', 'steps: 5000000'), message: /steps: expected at most 1000 steps/ },
  { name: 'negative seed', config: t('seed: 42', 'seed: -1'), message: /seed: / },
  { name: 'fps 0', config: t('fps: 8', 'fps: 0'), message: /fps: expected frames per second of 1 or more/ },
  { name: 'negative guidance', config: t('guidance_scale: 6.0', 'guidance_scale: -1'), message: /guidance_scale: / },
  { name: 'unknown device', config: t('device: cpu', 'device: gpu0'), message: /device: expected "auto", "cpu", "cuda" or "cuda:N"/ },
  { name: 'unknown dtype', config: t('dtype: float32', 'dtype: fp8'), message: /dtype: / },
  { name: 'unknown offload mode', config: `${tiny}cpu_offload: yes\n`, message: /cpu_offload: / },
  { name: 'coefficient list too short', config: t('coefficients: [0, 0, 0, 1, 0]', 'coefficients: [1, 2, 3]'), message: /teacache\.coefficients: expected 5 numbers/ },
  { name: 'coefficient that is not a number', config: t('coefficients: [0, 0, 0, 1, 0]', 'coefficients: [0, 0, 0, one, 0]'), message: /teacache\.coefficients\[3\]: expected a number/ },
  // Sizes the model cannot take
  { name: 'frames the VAE cannot take', config: t('frames: 17', 'frames: 16'), message: /frames: expected 4k\+1 frames/ },
  { name: 'height not a multiple of 16', config: t('height: 64', 'height: 60'), message: /height: expected a multiple of 16 pixels, got 60/ },
  { name: 'width of 0', config: t('width: 64', 'width: 0'), message: /width: expected a width in pixels of 1 or more/ },
  // Files
  { name: 'missing image for I2V', config: tinyI2v.replace('image: first-frame.png\n', ''), message: /^teacache: image: this model is image-to-video/ },
  { name: 'image that does not exist', config: tinyI2v.replace('image: first-frame.png', 'image: /nowhere/first.png'), message: /image: \/nowhere\/first\.png does not exist/ },
  { name: 'image that is not an image', config: tinyI2v.replace('image: first-frame.png', `image: ${join(ROOT, 'package.json')}`), message: /image: .*package\.json is not a PNG, JPEG, WebP, GIF or BMP image/ },
  { name: 'image that is a folder', config: tinyI2v.replace('image: first-frame.png', `image: ${ROOT}`), message: /image: .* is not a file/ },
  { name: 'image given to a T2V model', config: `${tiny}image: /etc/hostname\n`, message: /image: this model is text-to-video/ },
  { name: 'missing model folder', args: ['--model', '/nowhere/CogVideoX1.5-5B'], message: /model: \/nowhere\/CogVideoX1\.5-5B: the folder does not exist/ },
  { name: 'folder that is not a pipeline', args: ['--model', ROOT], message: /model: .*: it has no model_index\.json/ },
  { name: 'checkpoint with its own code', args: ['--model', customCheckpoint()], message: /model: .* has components defined by code inside the checkpoint \(transformer\); teacache runs such code only with trust_remote_code: true/ },
  { name: 'hub id not in the cache', args: ['--model', 'THUDM/CogVideoX1.5-5B'], message: /model: THUDM\/CogVideoX1\.5-5B is not in the local Hugging Face cache/ },
  { name: 'model that is no model', args: ['--model', 'cogvideo please'], message: /model: "cogvideo please" is neither a built-in model/ },
  { name: 'output under a file', args: ['--output', join(ROOT, 'package.json', 'run')], message: /--output: .* cannot be created/ },
  // Flags
  { name: 'unknown flag', args: ['--treshold', '0.1'], message: /^teacache: --treshold: unknown option; see teacache run --help$/m },
  { name: 'misspelt flag', args: ['--cpu-offlaod', 'model'], message: /^teacache: --cpu-offlaod: unknown option \(did you mean --cpu-offload\?\)$/m },
  { name: 'negative threshold flag', args: ['--rel-l1-thresh', '-1'], message: /^teacache: --rel-l1-thresh: expected a threshold of 0 or more .*, got "-1"$/m },
  { name: 'non-numeric seed flag', args: ['--seed', 'abc'], message: /^teacache: --seed: expected an integer, got "abc"$/m },
  { name: 'steps flag 0', args: ['--steps', '0'], message: /^teacache: --steps: expected at least 2 steps/ },
  { name: 'height flag 0', args: ['--height', '0'], message: /^teacache: --height: expected a height in pixels of 1 or more, got "0"$/m },
  { name: 'unknown dtype flag', args: ['--dtype', 'fp8'], message: /^teacache: --dtype: expected one of auto, float32, float16, bfloat16, got "fp8"$/m },
  { name: 'unknown command', command: ['rnu', 'configs/tiny.yaml'], message: /^teacache: rnu: unknown command \(did you mean run\?\)/ },
]

describe('bad input', () => {
  it('has at least 30 cases', () => expect(cases.length).toBeGreaterThanOrEqual(30))

  it.each(cases)('$name', async ({ config, args = [], command, message }) => {
    const dir = tempDir('tc-bad-')
    const file = join(dir, 'config.yaml')
    writeFileSync(file, (config ?? tiny).replace('image: first-frame.png', `image: ${join(ROOT, 'configs', 'first-frame.png')}`))
    const out = join(dir, 'out')
    const trip = pythonTripwire()
    const argv = command ?? ['run', file, ...args, ...(args.includes('--output') ? [] : ['--output', out])]
    const result = await teacache(argv, { env: trip.env })
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(message)
    expect(result.stderr.trim().split('\n')[0]).toMatch(/^teacache: /)
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
    const file = join(dir, 'config.yaml')
    writeFileSync(file, tiny)
    const result = await teacache(['run', file, '--output', out], { env: trip.env })
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(/--output: .* already exists and is not empty/)
    expect(readFileSync(join(out, 'run.json'), 'utf8')).toBe('{"keep": true}')
    expect(trip.started()).toBe(false)
  })

  it('a model without coefficients or a preset is a clear error after loading, with nothing written', async () => {
    const dir = tempDir('tc-bad-')
    const file = join(dir, 'config.yaml')
    writeFileSync(file, tiny.replace(/ +coefficients: .*\n/, ''))
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
