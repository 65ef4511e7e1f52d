import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LoadedConfig } from '../config/load.ts'
import { TeacacheError } from '../errors.ts'
import type { ModelLocation } from '../model/resolve.ts'
import { startEngine, type Engine, type ModelFacts, type Versions } from '../python/bridge.ts'
import { findPython } from '../python/interpreter.ts'

/** A started Python with one pipeline loaded: what every run of a command shares. */
export interface Loaded {
  engine: Engine
  versions: Versions
  facts: ModelFacts
  loadSeconds: number
  logFile: string
}

export async function startPython(): Promise<{ engine: Engine; versions: Versions; logFile: string }> {
  const python = findPython()
  const logFile = join(tmpdir(), `teacache-python-${process.pid}.log`)
  const engine = await startEngine({ python, logFile })
  try {
    const versions = await engine.versions()
    if (versions.problems.length > 0) {
      throw new TeacacheError('ENVIRONMENT', `unsupported Python packages in ${python}:\n  ${versions.problems.join('\n  ')}`)
    }
    return { engine, versions, logFile }
  } catch (error) {
    await engine.close()
    throw error
  }
}

export async function loadModel(
  started: { engine: Engine; versions: Versions; logFile: string },
  config: LoadedConfig,
  location: ModelLocation,
): Promise<Loaded> {
  const facts = await started.engine.load({
    model: location.load,
    device: config.device,
    dtype: config.dtype,
    vae_slicing: config.vae_slicing,
    vae_tiling: config.vae_tiling,
    cpu_offload: config.cpu_offload,
    threads: config.threads,
    trust_remote_code: config.trust_remote_code,
  })
  const { seconds, ...rest } = facts
  return { ...started, facts: rest, loadSeconds: seconds }
}
