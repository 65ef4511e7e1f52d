import { resolve } from 'node:path'
import { overrideArgs } from '../cli/overrides.ts'
import { loadConfig, type LoadedConfig } from '../config/load.ts'
import { checkRunInputs } from '../config/rules.ts'
import { TeacacheError, isTeacacheError } from '../errors.ts'
import { resolveModel } from '../model/resolve.ts'
import { writeReport } from '../report/generate.ts'
import { createRunContext } from '../run/execute.ts'
import type { Step } from '../run/progress.ts'
import { PythonSession } from '../engine/session.ts'
import { checkWarmup } from '../run/warmup.ts'
import { runClaimer } from '../sweep/claim.ts'
import { openSweepFolder, parseSharing, planRuns, publishManifest, type FolderFlags, type OpenedFolder, type Sharing } from '../sweep/command.ts'
import { buildRuns, compileModes, formatShard, inShard, type Grid, type Shard } from '../sweep/grid.ts'
import { resolveGrid } from '../sweep/inputs.ts'
import type { SweepFolder } from '../sweep/folder.ts'
import { describeValues, gridAdditions } from '../sweep/growth.ts'
import { checkMethodsOnModel } from '../sweep/method-checks.ts'
import { variantText } from '../methods/variant.ts'
import { executeRuns, type Outcome } from '../sweep/runner.ts'
import { restartArgs, restartSweep, type RestartFlags } from '../sweep/restart.ts'
import { describeWorker, planWorkers, runWorkers, workersFailure, type Worker } from '../sweep/workers.ts'
import { sweepIdentity } from '../sweep/writers.ts'
import { watchParent } from '../sweep/orphan.ts'
import { describeRepeats, parseRepeats } from '../run/repeats.ts'

/** The flags a restarted sweep is handed again (src/sweep/restart.ts), and these. */
export interface SweepOptions extends RestartFlags, FolderFlags {
  /** How many times a new process may resume the sweep after Python dies (default 0: stop). */
  restarts?: number
}

/**
 * `teacache sweep`: every check that needs no Python runs first (config, grid, model, folder,
 * which runs are already done); then one pipeline load serves every run of this process's share.
 */
export async function sweepCommand(configFile: string, options: SweepOptions): Promise<{ dir: string; outcomes: Outcome[] }> {
  const config = await loadConfig(configFile, options.overrides)
  const warmup = options.warmup !== false
  if (options.repeats !== undefined) parseRepeats(options.repeats)
  const grid = await resolveGrid(config, options)
  const location = await resolveModel(config.model)
  await checkRunInputs(config, location)
  const { shard, devices } = parseSharing(options, 'sweep')
  const { folder, protect, membership } = await openSweepFolder(config, grid, options, {
    noun: 'sweep',
    // The folder's grid may name compile modes this command does not: each is warmed up too.
    check: (manifest) => compileModes(manifest.grid).forEach((compile) => checkWarmup({ compile }, warmup)),
    identity: sweepIdentity,
  })
  if (!options.quiet) process.stdout.write(`${describeGrowth(folder, grid)}timing: ${describeRepeats(options.repeats ?? 'auto')}\n`)
  // A --devices worker stops with its parent, however the parent dies.
  const unwatch = watchParent()
  try {
    return await sweepInto(membership.dir, { config, location, shard, devices, folder, protect }, options)
  } finally {
    unwatch()
    await membership.leave()
  }
}

interface Prepared extends Sharing, Pick<OpenedFolder, 'folder' | 'protect'> {
  config: LoadedConfig
  location: Awaited<ReturnType<typeof resolveModel>>
}

async function sweepInto(dir: string, prepared: Prepared, options: SweepOptions): Promise<{ dir: string; outcomes: Outcome[] }> {
  const { config, location, shard, devices, folder, protect } = prepared
  const { grid } = folder.manifest
  const warmup = options.warmup !== false
  if (devices) {
    await runWorkerProcesses(planWorkers(devices, shard), config, grid, dir, options)
    return { dir, outcomes: [] }
  }

  const planned = await planRuns(buildRuns(grid).filter((run) => inShard(run, shard)), config, dir, Boolean(options.force))
  const toRun = planned.filter((p) => p.plan.action === 'run')

  const session = new PythonSession()
  let manifestWritten = folder.write === 'keep'
  const compiles = [...new Set(toRun.map((p) => p.config.compile))]
  const warmups = compiles.map((compile) => ({
    config: { ...config, compile },
    paths: { teacache: toRun.some((p) => p.config.compile === compile && p.config.teacache.enabled && !p.config.method) },
  }))
  try {
    const setup: Step[] = toRun.length === 0 ? [] : [
      ...session.openSteps(config, location, async (loaded, warn) => {
        // What only the loaded model can tell (no coefficients for it, say) is a config problem:
        // found on a throwaway context, before any run folder is made.
        const probe = toRun.find((p) => p.spec.threshold !== null) ?? toRun[0]
        createRunContext(loaded, probe.config, probe.dir, 0, null, warn)
        const variants = [...new Map(toRun.flatMap((p) => (p.spec.method ? [[p.spec.method.id, p.spec.method] as const] : []))).values()]
        await checkMethodsOnModel(loaded.engine, variants, config)
        await publishManifest(dir, folder)
        manifestWritten = true
      }),
      ...(warmup ? session.warmupSteps(warmups) : []),
    ]
    if (toRun.length === 0) await publishManifest(dir, folder)
    const { outcomes, fatal } = await executeRuns(planned, {
      setup, shutdown: session.shutdown, quiet: options.quiet, loaded: () => session.loaded, loadSeconds: () => (session.isLoaded ? session.loaded.loadSeconds : 0),
      warmup: () => session.warmup, repeats: options.repeats ?? 'auto',
      claimRun: runClaimer({ force: Boolean(options.force), protect }),
    })
    const { shutdown } = session
    if (shutdown.signal) {
      const kept = outcomes.filter((o) => o.status === 'completed' || o.status === 'skipped').length
      throw new TeacacheError('INTERRUPTED', `interrupted by ${shutdown.signal}: ${kept} finished run(s) kept in ${dir}; run the same command again to finish the sweep`, { exitCode: shutdown.exitCode })
    }
    if (fatal && !manifestWritten) throw fatal
    const restarts = options.restarts ?? 0
    if (isTeacacheError(fatal, 'PYTHON_DIED') && restarts > 0) {
      const left = restarts - 1
      process.stderr.write(`teacache: ${fatal.message}\nteacache: resuming the sweep in a new process (${left} restart(s) left after this one)\n`)
      const code = await restartSweep(restartArgs(config.configPath, dir, options, left))
      if (code !== 0) throw new TeacacheError('PYTHON', `the resumed sweep exited with code ${code}`, { exitCode: code })
      return { dir, outcomes }
    }
    const reportPath = options.report === false ? null : (await writeReport(dir)).path
    if (fatal) throw fatal
    if (!options.quiet) process.stdout.write(summary(outcomes, shard, reportPath ?? dir))
    const failed = outcomes.filter((o) => o.status === 'failed')
    if (failed.length > 0) {
      const first = failed[0].error instanceof Error ? failed[0].error.message : String(failed[0].error)
      throw new TeacacheError('PYTHON', `${failed.length} of ${outcomes.length} runs failed (first: ${failed[0].spec.id}: ${first}); the others are in ${reportPath ?? dir}`, { exitCode: 1 })
    }
    return { dir, outcomes }
  } finally {
    await session.close()
  }
}

async function runWorkerProcesses(workers: Worker[], config: LoadedConfig, grid: Grid, dir: string, options: SweepOptions): Promise<void> {
  if (!options.quiet) process.stdout.write(`${workers.length} workers into ${dir}:\n${workers.map((w) => `  ${describeWorker(w)}\n`).join('')}`)
  const args = (w: Worker) => [
    'sweep', config.configPath, '--output', dir, '--shard', formatShard(w.shard), '--device', w.deviceFlag, '--no-report',
    ...(grid.thresholds.length ? ['--thresholds', grid.thresholds.join(',')] : []),
    // Every parameter spelled out (MagCache's ratios as numbers): the workers resolve the very same variants.
    ...(grid.methods ? ['--methods', grid.methods.map(variantText).join(',')] : []),
    '--seeds', grid.seeds.join(','), '--compile', compileModes(grid).join(','),
    ...(options.prompts !== undefined ? ['--prompts', resolve(options.prompts)] : []),
    // Every override but the device, which is the worker's own.
    ...overrideArgs({ ...options.overrides, device: undefined }),
    ...(options.repeats !== undefined ? ['--repeats', String(options.repeats)] : []),
    ...(options.warmup === false ? ['--no-warmup'] : []),
    ...(options.force ? ['--force'] : []),
    ...(options.quiet ? ['--quiet'] : []),
  ]
  const { results, signal, exitCode } = await runWorkers(workers, args)
  if (signal) throw new TeacacheError('INTERRUPTED', `interrupted by ${signal}: finished runs are kept in ${dir}; run the same command again to finish the sweep`, { exitCode })
  const reportPath = options.report === false ? null : (await writeReport(dir)).path
  const failure = workersFailure(results, reportPath ? ` and ${reportPath}` : '')
  if (failure) throw failure
  if (!options.quiet && reportPath) process.stdout.write(`report: ${reportPath}\n`)
}

/** What the command does to the folder's grid beyond running it: grow it, or keep more than it names. */
function describeGrowth(folder: SweepFolder, command: Grid): string {
  if (!folder.existing) return ''
  const lines: string[] = []
  if (folder.write === 'grow') {
    const growth = folder.manifest.history?.at(-1)
    if (!growth) throw new Error('a grown sweep without its growth record')
    lines.push(`growing the sweep: ${describeValues(growth.added)} (${growth.runs} new run${growth.runs === 1 ? '' : 's'}; the others are kept)`)
  }
  const kept = folder.write === 'replace' ? {} : gridAdditions(command, folder.manifest.grid)
  if (Object.keys(kept).length > 0) lines.push(`the sweep also holds ${describeValues(kept)} (not named here): kept, and run where missing`)
  return lines.map((line) => `${line}\n`).join('')
}

function summary(outcomes: Outcome[], shard: Shard | undefined, report: string): string {
  const count = (status: Outcome['status']) => outcomes.filter((o) => o.status === status).length
  const share = shard ? ` (shard ${formatShard(shard)})` : ''
  return `\nsweep${share}: ${outcomes.length} runs: ${count('completed')} completed, ${count('skipped')} already done, ${count('failed')} failed\nreport: ${report}\n`
}
