import type { LoadedConfig } from '../config/load.ts'
import type { RunSpec } from './grid.ts'
import type { SweepManifest } from './manifest.ts'
import { runConfig } from './cell-config.ts'
import { runSettings } from '../records/settings.ts'
import type { Settings } from '../records/evidence.ts'

/**
 * The run settings a sweep makes one cell with, from sweep.json alone: a report has no config
 * file. sweep.json holds the settings every run shares (sweepSettings: the config's run settings
 * less what the grid varies), and runConfig adds back the cell's prompt, seed, compile mode,
 * threshold or method exactly as the sweep does, so this is what a resume compares records with.
 *
 * Reading the settings back from JSON changes nothing the fingerprint sees: it hashes canonical
 * JSON, which already drops undefined values, and runSettings drops the keys that are no
 * settings (output, device, ...) and the later fields at their old values, which sweepSettings
 * dropped before the manifest was written. A sweep refuses to go on in a folder whose shared
 * settings differ, so the manifest's settings are those of every run the sweep made there.
 */
export function cellSettings(manifest: SweepManifest, spec: RunSpec): Settings {
  // Only the settings' keys are read back; the fields a LoadedConfig has beyond them are no settings.
  return runSettings(runConfig(manifest.settings as unknown as LoadedConfig, spec, ''))
}
