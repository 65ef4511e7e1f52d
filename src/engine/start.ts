import type { LoadedConfig } from '../config/load.ts'
import { TeacacheError } from '../errors.ts'
import type { ModelLocation } from '../model/resolve.ts'
import { startEngine } from '../python/bridge.ts'
import { findPython } from '../python/interpreter.ts'
import { startDeadline, startTimeoutSeconds } from '../python/startup.ts'
import type { Loaded } from '../run/loaded.ts'
import { openPythonLog } from './python-log.ts'

/**
 * Start Python within the start-up deadline (TEACACHE_START_TIMEOUT); `signal` (Ctrl-C, SIGTERM,
 * a --devices parent gone) ends a start-up in progress at once.
 */
/** A started Python, before any model is loaded. */
export interface Started extends Pick<Loaded, 'engine' | 'versions' | 'logFile'> {
  /** Remove Python's log once Python is closed, unless a message named it. */
  closeLog(): void
}

export async function startPython(options: { signal?: AbortSignal } = {}): Promise<Started> {
  const python = findPython()
  const deadline = startDeadline(python, startTimeoutSeconds(), options.signal)
  const log = openPythonLog()
  const logFile = log.path
  const engine = await startEngine({ python, logFile, deadline, onDied: log.keep })
  try {
    const versions = await deadline.race(engine.versions(), 'the versions of torch, diffusers and transformers')
    if (versions.problems.length > 0) {
      throw new TeacacheError('ENVIRONMENT', `unsupported Python packages in ${python}:\n  ${versions.problems.join('\n  ')}`)
    }
    return { engine, versions, logFile, closeLog: log.remove }
  } catch (error) {
    await engine.close()
    throw error
  }
}

export async function loadModel(
  started: Started,
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
