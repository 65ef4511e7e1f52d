import { promises as fs } from 'node:fs'
import { homedir } from 'node:os'
import { isAbsolute, join } from 'node:path'
import { TeacacheError } from '../errors.ts'
import { pythonPath } from '../python/interpreter.ts'
import { readRegularFile } from '../util/fs.ts'
import { downloadCommand, findHubCli } from './hub-cli.ts'

/**
 * Where a `model` value points, found without starting Python: a built-in tiny model, a local
 * pipeline folder, or a hub id looked up in the local Hugging Face cache (never downloaded).
 */
export type Task = 't2v' | 'i2v'

export interface ModelLocation {
  /** What the Python side loads: a tiny variant name or an absolute folder. */
  load: string
  kind: 'tiny' | 'random' | 'folder' | 'hub-cache'
  task: Task
  pipelineClass: string
  /** Components whose code would come from inside the checkpoint (never run unless trusted). */
  customComponents: string[]
}

export const TINY_MODELS: Record<string, { task: Task; version: '1.5' | '1.0' }> = {
  tiny: { task: 't2v', version: '1.5' },
  'tiny-i2v': { task: 'i2v', version: '1.5' },
  'tiny-1.0': { task: 't2v', version: '1.0' },
  'tiny-1.0-i2v': { task: 'i2v', version: '1.0' },
}

/** Full-size CogVideoX1.5-5B architectures with random weights, built on a GPU: a dry run before downloading weights. */
export const RANDOM_MODELS: Record<string, { task: Task }> = {
  'random-5b': { task: 't2v' },
  'random-5b-i2v': { task: 'i2v' },
}

const PIPELINE_TASKS: Record<string, Task> = {
  CogVideoXPipeline: 't2v',
  CogVideoXImageToVideoPipeline: 'i2v',
}

const HUB_ID = /^[\w.-]+\/[\w.-]+$/

export async function resolveModel(model: string, env: NodeJS.ProcessEnv = process.env): Promise<ModelLocation> {
  const builtIn = TINY_MODELS[model] ?? RANDOM_MODELS[model]
  if (builtIn) return { load: model, kind: TINY_MODELS[model] ? 'tiny' : 'random', task: builtIn.task, pipelineClass: builtIn.task === 'i2v' ? 'CogVideoXImageToVideoPipeline' : 'CogVideoXPipeline', customComponents: [] }
  if (isAbsolute(model)) return { load: model, kind: 'folder', ...(await readPipelineFolder(model, model)) }
  if (HUB_ID.test(model)) {
    const folder = await hubCacheSnapshot(model, env)
    return { load: folder, kind: 'hub-cache', ...(await readPipelineFolder(folder, model)) }
  }
  throw new TeacacheError('CONFIG', `model: "${model}" is neither a built-in model (${[...Object.keys(TINY_MODELS), ...Object.keys(RANDOM_MODELS)].join(', ')}), a folder path nor a hub id like THUDM/CogVideoX1.5-5B`)
}

export function hubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE
  if (env.HF_HOME) return join(env.HF_HOME, 'hub')
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'huggingface', 'hub')
}

async function hubCacheSnapshot(id: string, env: NodeJS.ProcessEnv): Promise<string> {
  const repo = join(hubCacheDir(env), `models--${id.replace('/', '--')}`)
  let revision: string
  try {
    revision = (await fs.readFile(join(repo, 'refs', 'main'), 'utf8')).trim()
  } catch {
    const download = downloadCommand(id, await findHubCli(pythonPath(env)))
    throw new TeacacheError(
      'INPUT',
      `model: ${id} is not in the local Hugging Face cache (${hubCacheDir(env)}); teacache never downloads. ` +
        `Fetch it first (${download}) or give model: a local folder`,
    )
  }
  return join(repo, 'snapshots', revision)
}

const TRUSTED_LIBRARIES = new Set(['diffusers', 'transformers'])

async function readPipelineFolder(folder: string, shown: string): Promise<{ task: Task; pipelineClass: string; customComponents: string[] }> {
  let index: Record<string, unknown> & { _class_name?: unknown }
  try {
    index = JSON.parse(await readRegularFile(join(folder, 'model_index.json')))
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT'
    const exists = await fs.stat(folder).then(() => true, () => false)
    const why = !exists ? 'the folder does not exist' : missing ? 'it has no model_index.json (not a diffusers pipeline folder)' : `its model_index.json is unreadable: ${(error as Error).message}`
    throw new TeacacheError('INPUT', `model: ${shown}: ${why}`)
  }
  const pipelineClass = String(index._class_name ?? '')
  const task = PIPELINE_TASKS[pipelineClass]
  if (!task) {
    throw new TeacacheError('INPUT', `model: ${shown} holds a ${pipelineClass || 'unnamed'} pipeline; teacache runs ${Object.keys(PIPELINE_TASKS).join(' or ')}`)
  }
  const customComponents = Object.entries(index)
    .filter(([name, value]) => !name.startsWith('_') && Array.isArray(value) && value[0] !== null && !TRUSTED_LIBRARIES.has(String(value[0])))
    .map(([name]) => name)
  return { task, pipelineClass, customComponents }
}
