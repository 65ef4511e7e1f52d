import { join, resolve } from 'node:path'
import { loadConfig, type LoadedConfig, type Overrides } from '../config/load.ts'
import { checkRunInputs } from '../config/rules.ts'
import { PythonSession } from '../engine/session.ts'
import { TeacacheError } from '../errors.ts'
import { resolveModel } from '../model/resolve.ts'
import { everySchedule } from '../plan/plan.ts'
import { coefficientsForRun } from '../policy/coefficients-file.ts'
import { collectSweep } from '../report/collect.ts'
import { measureQuality, writeReport } from '../report/generate.ts'
import { buildReportData } from '../report/summary.ts'
import { createRunContext } from '../run/execute.ts'
import { describeRepeats, parseRepeats, type Repeats } from '../run/repeats.ts'
import { checkWarmup } from '../run/warmup.ts'
import { runSettings } from '../records/settings.ts'
import { runClaimer } from '../sweep/claim.ts'
import { openSweepFolder, parseSharing, planRuns, publishManifest, type FolderFlags } from '../sweep/command.ts'
import { runFolderOf } from '../sweep/folder.ts'
import { buildRuns, formatShard, groupId, type CompileMode } from '../sweep/grid.ts'
import { buildManifest, growManifest, REPORT, writeManifest, type SweepManifest } from '../sweep/manifest.ts'
import { runConfig } from '../sweep/cell-config.ts'
import { executeRuns } from '../sweep/runner.ts'
import { readRunFolder } from '../sweep/state.ts'
import { overrideArgs } from '../cli/overrides.ts'
import { watchParent } from '../sweep/orphan.ts'
import { describeWorker, planWorkers, runWorkers, workersFailure, type Worker } from '../sweep/workers.ts'
import { ShardPeers } from '../tune/peers.ts'
import { checkShares, splitStep, tuneIdentity, writesOutputs } from '../tune/shards.ts'
import { readJson, writeFileAtomic, writeJsonAtomic } from '../util/fs.ts'
import { checkMethodsOnModel } from '../sweep/method-checks.ts'
import { isReferenceBaseline } from '../sweep/rounds.ts'
import { sameGrid } from '../sweep/growth.ts'
import { gridFor, isWanted, wantOf, type Want } from '../tune/cells.ts'
import { compileContender, parseTuneCompile } from '../tune/compile.ts'
import { methodFamilies, teacacheFamily, type Family } from '../tune/families.ts'
import { gateText, judge, parseGate, type Measured } from '../tune/gate.ts'
import type { MeasuredSpeedup } from '../tune/measured.ts'
import { rankContenders } from '../tune/rank.ts'
import { cellsSpeedup } from '../report/tune-speedup.ts'
import { choiceLine, tuneSummary } from '../report/tune-summary.ts'
import { contendersOf, scoreOf, searchPicks, tuneRecord, type FamilySearch, type Verdict } from '../tune/record.ts'
import { searchFamily } from '../tune/search.ts'
import { lpipsWeights, parseQuantile, tuneGrid, type TuneInputs } from '../tune/inputs.ts'
import { TUNE_FILE, TUNED_CONFIG, tunedConfig, type CompiledTiming, type TuneRecord } from '../tune/output.ts'

export interface TuneOptions extends TuneInputs, FolderFlags {
  gate?: string
  quantile?: string
  repeats?: Repeats
  warmup?: boolean
  /** "fbc,pab": methods whose primary parameter is a family of candidates too (src/tune/families.ts). */
  methods?: string
  /** "none,blocks": compile modes the best TeaCache candidate is timed under (src/tune/compile.ts). */
  compile?: string
  overrides?: Overrides
  quiet?: boolean
}

/**
 * `teacache tune`: the fastest setting that keeps a quality gate on every tuning prompt x seed.
 * Each family (TeaCache's distinct schedules, plan's replay of the first baseline's indicator;
 * with --methods each method's primary parameter) is bisected for its most aggressive passing
 * candidate; the choice is the passing candidate that measured fastest (src/tune/rank.ts), timed
 * under each --compile mode, then checked on held-out prompts. Everything it runs is a sweep
 * folder (resumable; `teacache report` works on it), on one model load.
 */
export async function tuneCommand(configFile: string, options: TuneOptions): Promise<TuneRecord | null> {
  if (options.gate === undefined) throw new TeacacheError('CONFIG', '--gate: expected the quality gate to keep, e.g. --gate "psnr>=30,ssim>=0.92"')
  const gate = parseGate(options.gate)
  const quantile = parseQuantile(options.quantile)
  if (options.repeats !== undefined) parseRepeats(options.repeats)
  const config = await loadConfig(configFile, options.overrides)
  const warmup = options.warmup !== false
  checkWarmup(config, warmup)
  const modes = parseTuneCompile(options.compile)
  for (const compile of modes) checkWarmup({ compile }, warmup)
  const extra = options.methods === undefined ? { families: [], warnings: [] } : methodFamilies(options.methods, { baseDir: process.cwd(), config })
  for (const warning of extra.warnings) process.stderr.write(`teacache: warning: ${warning}\n`)
  const lpips = gate.some((b) => b.metric === 'lpips') ? await lpipsWeights() : null
  const { grid, tuning, held } = await tuneGrid(config, options)
  const { shard, devices } = parseSharing(options, 'tune')
  checkShares(devices ? planWorkers(devices, shard).map((w) => w.shard) : shard ? [shard] : [], tuning.length * grid.seeds.length, devices ? '--devices' : '--shard')
  const location = await resolveModel(config.model)
  await checkRunInputs(config, location)
  const { folder, protect, identity, membership } = await openSweepFolder(config, grid, options, {
    noun: 'tune',
    identity: (manifest) => tuneIdentity({ fingerprint: manifest.fingerprint, grid, gate: gateText(gate), quantile, tuning, held, methods: options.methods, compile: options.compile }),
  })
  const dir = membership.dir
  if (devices) {
    try {
      return await tuneOnWorkers(planWorkers(devices, shard), config, dir, options)
    } finally {
      await membership.leave()
    }
  }
  // A --devices worker stops with its parent, however the parent dies.
  const unwatch = watchParent()
  let manifest: SweepManifest = folder.manifest
  if (!options.quiet) process.stdout.write(`tune into ${dir}: gate ${gateText(gate)}; timing: ${describeRepeats(options.repeats ?? 'auto')}\n`)

  const session = new PythonSession()
  const peers = shard && shard.count > 1 ? new ShardPeers({ dir, shard, identity, quiet: options.quiet, interrupted: () => session.shutdown.signal, completed: async (spec) => (await readRunFolder(runFolderOf(dir, spec.id), runSettings(runConfig(config, spec, dir)))).status === 'completed' }) : undefined
  const claimRun = runClaimer({ force: Boolean(options.force), protect })
  const variants = extra.families.flatMap((f) => f.candidates.flatMap((c) => (c.method ? [c.method] : [])))
  const warmed = new Set<CompileMode>(['none'])
  /** Make (or find made) these cells and the eager baseline, timed in rounds per group; grows sweep.json first. The generations made. */
  const run = async (wants: Want[], groups: number[], setup = false): Promise<number> => {
    const wanted = gridFor(manifest.grid, wants)
    if (!sameGrid(wanted, manifest.grid)) {
      const grown = growManifest(manifest, buildManifest(config, wanted), new Date())
      await writeManifest(dir, grown, { grownFrom: manifest })
      manifest = grown
    }
    // A shard makes its own groups' cells and waits for the others' (src/tune/shards.ts).
    const { mine, awaited } = splitStep(buildRuns(manifest.grid).filter((s) => groups.includes(s.promptIndex) && isWanted(s, wants)), shard)
    const planned = await planRuns(mine, config, dir, Boolean(options.force) && setup)
    // Compiled blocks compile in a warm-up of their own, once per process, before their first timed run.
    const compiles = [...new Set(wants.map((w) => w.compile))].filter((c) => !warmed.has(c))
    compiles.forEach((c) => warmed.add(c))
    const steps = [
      ...(setup
        ? session.openSteps(config, location, async (loaded, warn) => {
            createRunContext(loaded, { ...config, teacache: { ...config.teacache, enabled: true } }, dir, 0, null, warn)
            await checkMethodsOnModel(loaded.engine, variants, config)
            await publishManifest(dir, folder, manifest)
            await peers?.register()
          })
        : []),
      ...(warmup && setup ? session.warmupSteps([{ config: { ...config, teacache: { ...config.teacache, enabled: true } } }]) : []),
      ...(warmup ? session.warmupSteps(compiles.map((compile) => ({ config: { ...config, compile, teacache: { ...config.teacache, enabled: true } } }))) : []),
    ]
    const { outcomes, fatal } = await executeRuns(planned, {
      setup: steps, shutdown: session.shutdown, quiet: options.quiet, loaded: () => session.loaded,
      loadSeconds: () => (session.isLoaded ? session.loaded.loadSeconds : 0), warmup: () => session.warmup, repeats: options.repeats ?? 'auto', claimRun,
    })
    if (fatal) throw session.failure(fatal, `the runs made so far are kept in ${dir}; the same command resumes`)
    const failed = outcomes.find((o) => o.status === 'failed')
    if (failed) throw new TeacacheError('PYTHON', `${failed.spec.id} failed: ${failed.error instanceof Error ? failed.error.message : String(failed.error)}`)
    const made = outcomes.filter((o) => o.status === 'completed').length
    return made + (peers ? await peers.step(made, mine, awaited) : 0)
  }
  /** The folder as the report reads it: records, cached metrics and each run's row (speedup, suspicion). Read once a probe. */
  const readFolder = async () => {
    const collected = await collectSweep(dir)
    const quality = await measureQuality(collected)
    await collected.index.save()
    const data = buildReportData(collected, quality, { computed: false, weights: [], reason: 'tune judges LPIPS itself' })
    return { collected, quality, cells: collected.runs.map((r, i) => ({ ...r, row: data.runs[i] })) }
  }
  type Folder = Awaited<ReturnType<typeof readFolder>>
  /** The gate's metrics of a wanted cell on these groups, each against its own baseline. */
  const measure = async (want: Want, groups: number[], { collected, quality }: Folder): Promise<Measured[]> => {
    const cells = collected.runs.filter((r) => !isReferenceBaseline(r.spec) && isWanted(r.spec, [want]) && groups.includes(r.spec.promptIndex))
    const out: Measured[] = []
    for (const cell of cells) {
      const q = quality.get(cell.spec.id)
      if (!q || 'error' in q) throw new TeacacheError('PYTHON', `${cell.spec.id}: quality not measured${q ? `: ${q.error}` : ''}`)
      let value: number | null = null
      if (lpips) {
        const base = runFolderOf(dir, `${groupId(cell.spec.promptIndex, cell.spec.seed)}/baseline`)
        value = (await session.loaded.engine.lpips({ reference: join(base, 'frames'), candidate: join(cell.dir, 'frames'), alexnet: lpips.alexnet, linear: lpips.linear })).mean
      }
      out.push({ psnr: q.psnr, ssim: q.ssim, min_psnr: q.worstPsnr, lpips: value })
    }
    return out
  }
  /** The measured speedup of a wanted cell over the tuning groups, suspect cells left out (src/report/tune-speedup.ts). */
  const timed = (want: Want, { cells }: Folder) => cellsSpeedup(cells, (spec) => isWanted(spec, [want]), tuning)

  try {
    const generations = { search: await run([], tuning, true), compile: 0, held_out: 0 }
    const baselineSpec = buildRuns(manifest.grid).find((r) => r.promptIndex === tuning[0] && r.seed === manifest.grid.seeds[0] && isReferenceBaseline(r))
    if (!baselineSpec) throw new Error('no baseline in the tuning grid')
    const first = (await readRunFolder(runFolderOf(dir, baselineSpec.id), runSettings(runConfig(config, baselineSpec, dir)))).record
    if (!first) throw new TeacacheError('PYTHON', 'the first baseline left no record to plan from')
    const coefficients = coefficientsForRun(config, session.loaded.facts).coefficients
    // The schedule that computes every step is the baseline itself: no candidate.
    const schedules = everySchedule(coefficients, first.steps.map((s) => s.distance), null).filter((e) => e.skipped.length > 0)
    const families: Family[] = [teacacheFamily(schedules), ...extra.families]
    const verdicts = new Map<string, Verdict>()
    const speedups = new Map<string, MeasuredSpeedup | null>()
    const searches: FamilySearch[] = []
    for (const family of families) {
      const probes = await searchFamily(family.candidates.length, async (index) => {
        const want = wantOf(family.candidates[index])
        generations.search += await run([want], tuning)
        const folder = await readFolder()
        const verdict = judge(gate, await measure(want, tuning, folder), quantile)
        verdicts.set(family.candidates[index].id, verdict)
        speedups.set(family.candidates[index].id, timed(want, folder))
        return { pass: verdict.pass, score: scoreOf(gate, verdict) }
      })
      searches.push({ family, probes })
    }
    const byId = new Map(families.flatMap((f) => f.candidates.map((c) => [c.id, c] as const)))
    let contenders = contendersOf(searches, verdicts, speedups)
    let ranking = rankContenders(contenders, searchPicks(searches))
    const compiled: CompiledTiming[] = []
    const toCompile = compileContender(ranking.ranked, modes)
    if (toCompile) {
      for (const mode of modes.filter((m) => m !== 'none')) {
        const want = wantOf(byId.get(toCompile.id)!, mode)
        generations.compile += await run([want], tuning)
        compiled.push({ id: toCompile.id, compile: mode, speedup: timed(want, await readFolder()) })
      }
      contenders = [...contenders, ...compiled.map((t) => ({ ...toCompile, compile: t.compile, speedup: t.speedup }))]
      ranking = rankContenders(contenders, searchPicks(searches))
    }
    const pick = ranking.choice ? byId.get(ranking.choice.id)! : null
    const choiceWant = pick && ranking.choice ? wantOf(pick, ranking.choice.compile) : null
    let heldOut: TuneRecord['held_out'] = null
    if (choiceWant && held.length) {
      generations.held_out += await run([choiceWant], held)
      const verdict = judge(gate, await measure(choiceWant, held, await readFolder()), quantile)
      heldOut = { pass: verdict.pass, worst: verdict.worst, margin: verdict.margin }
    }
    const steps = config.steps
    const record: TuneRecord = {
      ...tuneRecord({
        gate, gateText: gateText(gate), quantile, steps, compile: modes, searches, verdicts, speedups, compiled, ranking, generations, date: new Date(),
        tuning: { prompts: tuning, seeds: manifest.grid.seeds }, holdout: held.length ? { prompts: held, seeds: manifest.grid.seeds } : null,
      }),
      held_out: heldOut,
    }
    if (record.choice && writesOutputs(shard)) {
      await writeFileAtomic(join(dir, TUNED_CONFIG), tunedConfig(config, record.choice, coefficients, `teacache tune: the fastest setting measured that keeps ${gateText(gate)} (${choiceLine(record.choice)}), from ${config.configPath}${record.choice.method ? `; \`teacache run\` runs no diffusers cache, so run this one with \`teacache sweep ${TUNED_CONFIG}\` (it runs ${record.choice.id} beside its baseline)` : ''}`))
    }
    // Every shard holds the same record; one writes it.
    if (writesOutputs(shard)) await writeJsonAtomic(join(dir, TUNE_FILE), record)
    const report = writesOutputs(shard) ? await writeReport(dir) : { path: join(dir, REPORT) }
    if (!options.quiet) process.stdout.write(tuneSummary(record, dir, report.path))
    if (!options.quiet && !writesOutputs(shard)) process.stdout.write(`shard 1/${shard?.count} writes ${TUNE_FILE}, ${TUNED_CONFIG} and the report into ${dir}\n`)
    if (!record.choice) {
      const best = record.best_failed
      const bestCandidate = best ? byId.get(best.id) : undefined
      const missed = best ? Object.entries(best.margin).filter(([, m]) => (m as number) < 0).map(([k, m]) => `${k} by ${Math.abs(m as number).toPrecision(3)}`).join(', ') : 'unmeasured'
      const named = bestCandidate?.threshold != null ? `threshold ${bestCandidate.threshold} (${bestCandidate.computed_steps} of ${steps} steps computed)` : (best?.id ?? 'none')
      throw new TeacacheError('INPUT', `no schedule keeps ${gateText(gate)}: even the mildest, ${named}, misses ${missed}; see ${report.path}`, { exitCode: 1 })
    }
    return record
  } catch (caught) {
    throw session.failure(caught, `the runs made so far are kept in ${dir}; the same command resumes`)
  } finally {
    await peers?.end()
    unwatch()
    await session.close()
    await membership.leave()
  }
}

/**
 * A --devices worker's flags: each option passed on as given, but the folder, the device and the
 * shard, which are the worker's own. Typed by TuneOptions, so a new option fails to compile
 * until it is passed on here too.
 */
const WORKER_FLAGS: { [K in keyof Required<TuneOptions>]: (value: NonNullable<TuneOptions[K]>) => string[] } = {
  gate: (v) => ['--gate', v], prompts: (v) => ['--prompts', resolve(v)], seeds: (v) => ['--seeds', v], holdout: (v) => ['--holdout', v],
  holdoutPrompts: (v) => ['--holdout-prompts', resolve(v)], quantile: (v) => ['--quantile', v], methods: (v) => ['--methods', v], compile: (v) => ['--compile', v],
  force: (v) => (v ? ['--force'] : []), repeats: (v) => ['--repeats', String(v)], warmup: (v) => (v ? [] : ['--no-warmup']), quiet: (v) => (v ? ['--quiet'] : []),
  overrides: (v) => overrideArgs({ ...v, device: undefined }), output: () => [], shard: () => [], devices: () => [],
}

/** `tune --devices`: one `tune --shard` worker per device, each loading the model once; the summary is read from shard 1's tune.json. */
async function tuneOnWorkers(workers: Worker[], config: LoadedConfig, dir: string, options: TuneOptions): Promise<TuneRecord | null> {
  if (!options.quiet) process.stdout.write(`${workers.length} workers into ${dir}:\n${workers.map((w) => `  ${describeWorker(w)}\n`).join('')}`)
  const flags = (Object.keys(WORKER_FLAGS) as Array<keyof TuneOptions>).flatMap((key) => (options[key] === undefined ? [] : WORKER_FLAGS[key](options[key] as never)))
  const since = Date.now()
  const { results, signal, exitCode } = await runWorkers(workers, (w) => ['tune', config.configPath, '--output', dir, '--shard', formatShard(w.shard), '--device', w.deviceFlag, ...flags])
  if (signal) throw new TeacacheError('INTERRUPTED', `interrupted by ${signal}: finished runs are kept in ${dir}; run the same command again to resume the tune`, { exitCode })
  // Written by this command's shard 1 (none of the workers is shard 1 with --shard i/n, i > 1: another process writes it).
  const record = await readJson<TuneRecord>(join(dir, TUNE_FILE)).then((r) => (Date.parse(r.date) >= since ? r : null), () => null)
  if (record && !options.quiet) process.stdout.write(tuneSummary(record, dir, join(dir, REPORT)))
  if (record && !record.choice) throw new TeacacheError('INPUT', `no setting keeps ${record.gate_text}; see ${join(dir, REPORT)}`, { exitCode: 1 })
  const failure = workersFailure(results)
  if (failure) throw failure
  if (!record && !options.quiet) process.stdout.write(`shard 1 of the tune writes ${TUNE_FILE}, ${TUNED_CONFIG} and the report into ${dir}\n`)
  return record
}
