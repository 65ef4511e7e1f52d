import { resolve } from 'node:path'
import type { LoadedConfig } from '../config/load.ts'
import { parseFlag, TeacacheError } from '../errors.ts'
import { runSettings } from '../records/settings.ts'
import { chooseRunDir } from '../run/output.ts'
import { protectedPaths, type Protected } from '../run/safe-force.ts'
import { checkSweepDir, runFolderOf, type SweepFolder } from './folder.ts'
import { parseShard, type Grid, type RunSpec, type Shard } from './grid.ts'
import { buildManifest, writeManifest, type SweepManifest } from './manifest.ts'
import { runConfig } from './cell-config.ts'
import type { PlannedRun } from './runner.ts'
import { planRun, readRunFolder } from './state.ts'
import { parseDevices } from './workers.ts'
import { joinSweep, type Membership } from './writers.ts'

/**
 * What every command that writes a sweep folder (sweep, tune) does with it, in one place so that
 * a new command does not copy it: the sharing flags and the folder, checked before Python starts;
 * each run's plan from what its folder holds; sweep.json written once the model has loaded.
 */

export interface FolderFlags {
  output?: string
  force?: boolean
  /** "i/n": this process's share of the work (sweep: of the grid; tune: of every step's prompt x seed groups, src/tune/shards.ts). */
  shard?: string
  /** "0,1": one worker process per device (tune: a `tune --shard` worker). */
  devices?: string
}

export interface Sharing {
  shard: Shard | undefined
  devices: string[] | undefined
}

/** --shard and --devices; a shard needs --output, the folder it shares with the others. */
export function parseSharing(flags: FolderFlags, noun: 'sweep' | 'tune'): Sharing {
  const shard = flags.shard === undefined ? undefined : parseFlag('--shard', () => parseShard(flags.shard!))
  const devices = flags.devices === undefined ? undefined : parseFlag('--devices', () => parseDevices(flags.devices!))
  if (shard && !flags.output) throw new TeacacheError('CONFIG', `--output: --shard needs the shared ${noun} folder, so that every shard writes into the same one`)
  return { shard, devices }
}

export interface OpenedFolder {
  folder: SweepFolder
  /** What --force never replaces: the cwd and the command's inputs (src/run/safe-force.ts). */
  protect: Protected[]
  /** The sweep the folder is shared with (src/sweep/writers.ts). */
  identity: string
  membership: Membership
}

/**
 * The command's sweep folder (--output, else a new one named after the config), checked against
 * the sweep it plans and joined. `check`: what the folder's sweep must pass beyond the command's
 * own (it may hold more than the command names); `identity`: which processes may share it.
 */
export async function openSweepFolder(config: LoadedConfig, grid: Grid, flags: FolderFlags, sweep: { noun: 'sweep' | 'tune'; identity: (manifest: SweepManifest) => string; check?: (manifest: SweepManifest) => void }): Promise<OpenedFolder> {
  const protect = protectedPaths({ config: config.configPath, coefficients: config.coefficientsFile?.path, image: config.image })
  const chosen = flags.output ? resolve(flags.output) : await chooseRunDir({ parent: config.output, name: `${config.name}-${sweep.noun}` })
  // From here on the sweep is the folder's when the command only grows it (src/sweep/growth.ts).
  const folder = await checkSweepDir(chosen, buildManifest(config, grid), Boolean(flags.force), protect)
  sweep.check?.(folder.manifest)
  const identity = sweep.identity(folder.manifest)
  // Shared with the other processes of this sweep, exclusive against any other (src/sweep/writers.ts).
  const membership = await joinSweep(chosen, identity, { exclusive: !flags.output })
  return { folder, protect, identity, membership }
}

/** Each run of `specs` as this process will treat it: made, or kept as its folder holds it (src/sweep/state.ts). */
export async function planRuns(specs: readonly RunSpec[], config: LoadedConfig, dir: string, force: boolean): Promise<PlannedRun[]> {
  const planned: PlannedRun[] = []
  for (const spec of specs) {
    const runDir = runFolderOf(dir, spec.id)
    const runCfg = runConfig(config, spec, dir)
    const found = await readRunFolder(runDir, runSettings(runCfg))
    planned.push({ spec, dir: runDir, config: runCfg, plan: planRun(found, force), record: found.record })
  }
  return planned
}

/** sweep.json as checkSweepDir decided: created, grown or replaced (left alone when kept); tune's may have grown since. */
export async function publishManifest(dir: string, folder: SweepFolder, manifest = folder.manifest): Promise<void> {
  if (folder.write === 'keep') return
  await writeManifest(dir, manifest, { replace: folder.write === 'replace', grownFrom: folder.write === 'grow' ? (folder.existing ?? undefined) : undefined })
}
