import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { hubCacheDir, resolveModel } from '../../src/model/resolve.ts'
import { releaseFifo } from '../helpers/fifo.ts'
import { tempDir } from '../helpers/temp.ts'

const root = tempDir('tc-models-')
function pipelineFolder(path: string, className: string | null): string {
  mkdirSync(path, { recursive: true })
  if (className !== null) writeFileSync(join(path, 'model_index.json'), JSON.stringify({ _class_name: className }))
  return path
}
const t2v = pipelineFolder(join(root, 't2v'), 'CogVideoXPipeline')
const i2v = pipelineFolder(join(root, 'i2v'), 'CogVideoXImageToVideoPipeline')
const flux = pipelineFolder(join(root, 'flux'), 'FluxPipeline')
const empty = pipelineFolder(join(root, 'empty'), null)
const custom = join(root, 'custom')
mkdirSync(custom)
writeFileSync(join(custom, 'model_index.json'), JSON.stringify({ _class_name: 'CogVideoXPipeline', transformer: ['my_transformer', 'MyTransformer'], vae: ['diffusers', 'AutoencoderKLCogVideoX'], safety_checker: [null, null] }))
// A hub cache laid out as huggingface_hub does: refs/main names the snapshot.
const cache = join(root, 'hub')
pipelineFolder(join(cache, 'models--THUDM--CogVideoX1.5-5B-I2V', 'snapshots', 'abc123'), 'CogVideoXImageToVideoPipeline')
mkdirSync(join(cache, 'models--THUDM--CogVideoX1.5-5B-I2V', 'refs'), { recursive: true })
writeFileSync(join(cache, 'models--THUDM--CogVideoX1.5-5B-I2V', 'refs', 'main'), 'abc123\n')
const env = { HF_HUB_CACHE: cache }

describe('resolveModel', () => {
  it.each([
    ['tiny', { load: 'tiny', kind: 'tiny', task: 't2v' }],
    ['tiny-i2v', { load: 'tiny-i2v', kind: 'tiny', task: 'i2v' }],
    [t2v, { load: t2v, kind: 'folder', task: 't2v', pipelineClass: 'CogVideoXPipeline', customComponents: [] }],
    [custom, { kind: 'folder', task: 't2v', customComponents: ['transformer'] }],
    [i2v, { load: i2v, kind: 'folder', task: 'i2v' }],
    ['THUDM/CogVideoX1.5-5B-I2V', { load: join(cache, 'models--THUDM--CogVideoX1.5-5B-I2V', 'snapshots', 'abc123'), kind: 'hub-cache', task: 'i2v' }],
  ])('%s', async (model, expected) => {
    expect(await resolveModel(model, env)).toMatchObject(expected)
  })

  it.each([
    [join(root, 'missing'), /model: .*missing: the folder does not exist/],
    [empty, /model: .*empty: it has no model_index\.json/],
    [flux, /model: .*flux holds a FluxPipeline pipeline; teacache runs CogVideoXPipeline or CogVideoXImageToVideoPipeline/],
    ['THUDM/CogVideoX1.5-5B', /model: THUDM\/CogVideoX1\.5-5B is not in the local Hugging Face cache .*never downloads/],
    ['not a model', /model: "not a model" is neither a built-in model/],
  ])('%s is refused', async (model, message) => {
    await expect(resolveModel(model, env)).rejects.toThrow(message)
  })
})

describe('hubCacheDir', () => {
  it.each([
    [{ HF_HUB_CACHE: '/a' }, '/a'],
    [{ HF_HOME: '/h' }, '/h/hub'],
    [{ XDG_CACHE_HOME: '/x' }, '/x/huggingface/hub'],
  ])('%j', (e, expected) => {
    expect(hubCacheDir(e)).toBe(expected)
  })
})

describe('a model_index.json that is a FIFO with no writer', () => {
  const folder = join(root, 'fifo')
  afterEach(() => releaseFifo(join(folder, 'model_index.json')))

  it('is refused at once, naming the model', async () => {
    mkdirSync(folder)
    execFileSync('mkfifo', [join(folder, 'model_index.json')])
    await expect(resolveModel(folder)).rejects.toMatchObject({ exitCode: 2, message: `model: ${folder}: its model_index.json is unreadable: a FIFO (named pipe), not a regular file` })
  })
})
