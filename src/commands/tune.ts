import { join, resolve } from 'node:path'
import { loadConfig, type LoadedConfig, type Overrides } from '../config/load.ts'
import { checkRunInputs } from '../config/rules.ts'
import { PythonSession } from '../engine/session.ts'
import { TeacacheError } from '../errors.ts'
import { resolveModel } from '../model/resolve.ts'
import { everySchedule } from '../plan/plan.ts'
import { coefficientsForRun } from '../policy/coefficients-file.ts'
import { findLpipsWeights, LPIPS_FETCH_COMMAND, missingWeights } from '../quality/lpips.ts'
import { collectSweep } from '../report/collect.ts'
import { measureQuality, writeReport } from '../report/generate.ts'
import { createRunContext } from '../run/execute.ts'
import { chooseRunDir } from '../run/output.ts'
import { describeRepeats, parseRepeats, type Repeats } from '../run/repeats.ts'
import { protectedPaths } from '../run/safe-force.ts'
import { checkWarmup } from '../run/warmup.ts'
import { runSettings } from '../records/settings.ts'
import { runClaimer } from '../sweep/claim.ts'
import { checkSweepDir, runFolderOf } from '../sweep/folder.ts'
import { buildRuns, groupId, type Grid } from '../sweep/grid.ts'
import { readPromptsFile, resolveGrid } from '../sweep/inputs.ts'
import { buildManifest, growManifest, writeManifest, type SweepManifest } from '../sweep/manifest.ts'
import { executeRuns, runConfig, type PlannedRun } from '../sweep/runner.ts'
import { planRun, readRunFolder } from '../sweep/state.ts'
import { joinSweep, sweepIdentity } from '../sweep/writers.ts'
import { writeFileAtomic, writeJsonAtomic } from '../util/fs.ts'
import { gateText, judge, parseGate, type Gate, type Measured } from '../tune/gate.ts'
import { chosen, neighboursToCheck, nextProbe, probeBound, violations, type Probe } from '../tune/search.ts'
import { TUNE_FILE, TUNED_CONFIG, tunedConfig, type TuneRecord } from '../tune/output.ts'

export interface TuneOptions {
  gate?: string
  prompts?: string
  seeds?: string
  holdout?: string
  holdoutPrompts?: string
  quantile?: string
  output?: string
  force?: boolean
  repeats?: Repeats
  warmup?: boolean
  overrides?: Overrides
  quiet?: boolean
}

/**
 * `teacache tune`: the fastest TeaCache schedule that keeps a quality gate on every tuning prompt x
 * seed, found by bisection over the distinct schedules (plan's replay of the first baseline's
 * indicator), then checked on held-out prompts. Everything it runs is a sweep folder (resumable;
 * `teacache report` works on it), on one model load.
 */
export async function tuneCommand(configFile: string, options: TuneOptions): Promise<TuneRecord> {
  if (options.gate === undefined) throw new TeacacheError('CONFIG', '--gate: expected the quality gate to keep, e.g. --gate "psnr>=30,ssim>=0.92"')
  const gate = parseGate(options.gate)
  const quantile = parseQuantile(options.quantile)
  if (options.repeats !== undefined) parseRepeats(options.repeats)
  const config = await loadConfig(configFile, options.overrides)
  const warmup = options.warmup !== false
  checkWarmup(config, warmup)
  const lpips = gate.some((b) => b.metric === 'lpips') ? await lpipsWeights() : null
  const { grid, tuning, held } = await tuneGrid(config, options)
  const location = await resolveModel(config.model)
  await checkRunInputs(config, location)
  const protect = protectedPaths({ config: config.configPath, coefficients: config.coefficientsFile?.path, image: config.image })
  const chosenDir = options.output ? resolve(options.output) : await chooseRunDir({ parent: config.output, name: `${config.name}-tune` })
  const folder = await checkSweepDir(chosenDir, buildManifest(config, grid), Boolean(options.force), protect)
  const membership = await joinSweep(chosenDir, sweepIdentity(folder.manifest), { exclusive: !options.output })
  const dir = membership.dir
  let manifest: SweepManifest = folder.manifest
  if (!options.quiet) process.stdout.write(`tune into ${dir}: gate ${gateText(gate)}; timing: ${describeRepeats(options.repeats ?? 'auto')}\n`)

  const session = new PythonSession()
  let generations = 0
  const claimRun = runClaimer({ force: Boolean(options.force), protect })
  /** Make (or find made) these cells, timed in rounds per group; grows sweep.json first. */
  const run = async (thresholds: number[], groups: number[], setup = false) => {
    if (thresholds.some((t) => !manifest.grid.thresholds.includes(t))) {
      const grown = growManifest(manifest, buildManifest(config, { ...manifest.grid, thresholds: [...manifest.grid.thresholds, ...thresholds] }), new Date())
      await writeManifest(dir, grown, { grownFrom: manifest })
      manifest = grown
    }
    const planned: PlannedRun[] = []
    for (const spec of buildRuns(manifest.grid).filter((s) => groups.includes(s.promptIndex) && (s.threshold === null || thresholds.includes(s.threshold)))) {
      const runDir = runFolderOf(dir, spec.id)
      const cfg = runConfig(config, spec, dir)
      const found = await readRunFolder(runDir, runSettings(cfg))
      planned.push({ spec, dir: runDir, config: cfg, plan: planRun(found, Boolean(options.force) && setup), record: found.record })
    }
    const steps = setup
      ? [...session.openSteps(config, location, async (loaded, warn) => {
          createRunContext(loaded, { ...config, teacache: { ...config.teacache, enabled: true } }, dir, 0, null, warn)
          if (folder.write !== 'keep') await writeManifest(dir, manifest, { replace: folder.write === 'replace', grownFrom: folder.write === 'grow' ? (folder.existing ?? undefined) : undefined })
        }), ...(warmup ? session.warmupSteps([{ config: { ...config, teacache: { ...config.teacache, enabled: true } } }]) : [])]
      : []
    const { outcomes, fatal } = await executeRuns(planned, {
      setup: steps, shutdown: session.shutdown, quiet: options.quiet, loaded: () => session.loaded,
      loadSeconds: () => (session.isLoaded ? session.loaded.loadSeconds : 0), warmup: () => session.warmup, repeats: options.repeats ?? 'auto', claimRun,
    })
    if (fatal) throw session.failure(fatal, `the runs made so far are kept in ${dir}; the same command resumes`)
    const failed = outcomes.find((o) => o.status === 'failed')
    if (failed) throw new TeacacheError('PYTHON', `${failed.spec.id} failed: ${failed.error instanceof Error ? failed.error.message : String(failed.error)}`)
    generations += outcomes.filter((o) => o.status === 'completed').length
  }
  /** The gate's metrics of threshold t on these groups, each against its own baseline. */
  const measure = async (t: number, groups: number[]): Promise<Measured[]> => {
    const collected = await collectSweep(dir)
    const quality = await measureQuality(collected)
    const cells = collected.runs.filter((r) => r.spec.threshold === t && !r.spec.method && r.spec.compile === 'none' && groups.includes(r.spec.promptIndex))
    const out: Measured[] = []
    for (const cell of cells) {
      const q = quality.get(cell.spec.id)
      if (!q || 'error' in q) throw new TeacacheError('PYTHON', `${cell.spec.id}: quality not measured${q ? `: ${q.error}` : ''}`)
      let value: number | null = null
      if (lpips) {
        const base = runFolderOf(dir, `${groupId(cell.spec.promptIndex, cell.spec.seed)}/baseline`)
        value = (await session.loaded.engine.lpips({ reference: join(base, 'frames'), candidate: join(cell.dir, 'frames'), alexnet: lpips.alexnet, linear: lpips.linear })).mean
      }
      out.push({ psnr: q.psnr, ssim: q.ssim, min_psnr: Math.min(...q.perFrame.psnr), lpips: value })
    }
    return out
  }

  try {
    await run([], tuning, true)
    const baselineSpec = buildRuns(manifest.grid).find((r) => r.promptIndex === tuning[0] && r.seed === manifest.grid.seeds[0] && r.threshold === null && !r.method)
    if (!baselineSpec) throw new Error('no baseline in the tuning grid')
    const first = (await readRunFolder(runFolderOf(dir, baselineSpec.id), runSettings(runConfig(config, baselineSpec, dir)))).record
    if (!first) throw new TeacacheError('PYTHON', 'the first baseline left no record to plan from')
    const coefficients = coefficientsForRun(config, session.loaded.facts).coefficients
    const all = everySchedule(coefficients, first.steps.map((s) => s.distance), null)
    // The schedule that computes every step is the baseline itself: no candidate.
    const candidates = all.filter((e) => e.skipped.length > 0)
    const probes: Probe[] = []
    const results = new Map<number, ReturnType<typeof judge>>()
    const probe = async (index: number) => {
      const t = candidates[index].threshold
      await run([t], tuning)
      const verdict = judge(gate, await measure(t, tuning), quantile)
      results.set(index, verdict)
      const first = gate[0]
      probes.push({ index, pass: verdict.pass, score: first.op === '>=' ? verdict.worst[first.metric] : -verdict.worst[first.metric] })
    }
    for (let next = nextProbe(candidates.length, probes); next !== null; next = nextProbe(candidates.length, probes)) await probe(next)
    for (const index of neighboursToCheck(candidates.length, probes)) await probe(index)
    const pick = chosen(probes)
    const steps = config.steps
    const record: TuneRecord = {
      format: 'teacache-tune/1', date: new Date().toISOString(), gate, gate_text: gateText(gate), quantile,
      tuning: { prompts: tuning, seeds: manifest.grid.seeds }, holdout: held.length ? { prompts: held, seeds: manifest.grid.seeds } : null,
      candidates: candidates.map((c, i) => ({
        threshold: c.threshold, computed_steps: c.computed_steps, steps, tried: results.has(i),
        pass: results.get(i)?.pass ?? null, worst: results.get(i)?.worst ?? null, margin: results.get(i)?.margin ?? null,
      })),
      violations: violations(probes).map(([a, b]) => [candidates[a.index].threshold, candidates[b.index].threshold]),
      choice: pick === null ? null : { threshold: candidates[pick].threshold, computed_steps: candidates[pick].computed_steps, steps },
      best_failed: null, held_out: null,
      cost: { generations, bound: tuning.length * manifest.grid.seeds.length * (1 + probeBound(candidates.length)), full_sweep: tuning.length * manifest.grid.seeds.length * (1 + candidates.length), tuning_groups: tuning.length * manifest.grid.seeds.length, schedules: candidates.length },
    }
    if (pick === null) {
      const mildest = [...results.entries()].sort((a, b) => a[0] - b[0])[0]
      record.best_failed = mildest ? { threshold: candidates[mildest[0]].threshold, margin: mildest[1].margin } : null
    } else {
      const t = candidates[pick].threshold
      if (held.length) {
        await run([t], held)
        const verdict = judge(gate, await measure(t, held), quantile)
        record.held_out = { pass: verdict.pass, worst: verdict.worst, margin: verdict.margin }
      }
      await writeFileAtomic(join(dir, TUNED_CONFIG), tunedConfig(config, t, coefficients, `teacache tune: the fastest schedule keeping ${gateText(gate)} (${candidates[pick].computed_steps} of ${steps} steps computed), from ${config.configPath}`))
    }
    await writeJsonAtomic(join(dir, TUNE_FILE), record)
    const report = await writeReport(dir)
    if (!options.quiet) process.stdout.write(summary(record, dir, report.path))
    if (pick === null) {
      const best = record.best_failed
      const missed = best ? Object.entries(best.margin).filter(([, m]) => (m as number) < 0).map(([k, m]) => `${k} by ${Math.abs(m as number).toPrecision(3)}`).join(', ') : 'unmeasured'
      throw new TeacacheError('INPUT', `no schedule keeps ${gateText(gate)}: even the mildest, threshold ${best?.threshold} (${candidates[0]?.computed_steps} of ${steps} steps computed), misses ${missed}; see ${report.path}`, { exitCode: 1 })
    }
    return record
  } catch (caught) {
    throw session.failure(caught, `the runs made so far are kept in ${dir}; the same command resumes`)
  } finally {
    await session.close()
    await membership.leave()
  }
}

function parseQuantile(text: string | undefined): number {
  if (text === undefined) return 0
  const q = Number(text)
  if (!(text.trim() !== '' && q >= 0 && q < 1)) throw new TeacacheError('CONFIG', `--quantile: expected a number from 0 (the worst prompt x seed) up to 1, got "${text}"`)
  return q
}

async function lpipsWeights(): Promise<{ alexnet: string; linear: string }> {
  const weights = await findLpipsWeights()
  const missing = missingWeights(weights)
  if (missing || !weights.alexnet || !weights.linear) throw new TeacacheError('CONFIG', `--gate: lpips needs its weights: ${missing}; with internet, \`${LPIPS_FETCH_COMMAND}\` fetches both`)
  return { alexnet: weights.alexnet, linear: weights.linear }
}

/** The tuning prompts first, then the held-out ones (they never steer the search); thresholds grow as the search probes. */
async function tuneGrid(config: LoadedConfig, options: TuneOptions): Promise<{ grid: Grid; tuning: number[]; held: number[] }> {
  if (options.holdout !== undefined && options.holdoutPrompts !== undefined) throw new TeacacheError('CONFIG', '--holdout: give --holdout N or --holdout-prompts FILE, not both')
  const base = await resolveGrid(config, { prompts: options.prompts, seeds: options.seeds })
  let prompts = base.prompts
  let heldCount = 0
  if (options.holdout !== undefined) {
    heldCount = Number(options.holdout)
    if (!(Number.isSafeInteger(heldCount) && heldCount >= 1 && heldCount < prompts.length)) {
      throw new TeacacheError('CONFIG', `--holdout: expected a number of prompts from 1 to ${prompts.length - 1} (the last ones of ${prompts.length} are held out; at least one must tune), got "${options.holdout}"`)
    }
  } else if (options.holdoutPrompts !== undefined) {
    const extra = await readPromptsFile(resolve(options.holdoutPrompts), '--holdout-prompts')
    const shared = extra.find((p) => prompts.includes(p))
    if (shared) throw new TeacacheError('CONFIG', `--holdout-prompts: "${shared}" is also a tuning prompt; held-out prompts must be ones the search never saw`)
    prompts = [...prompts, ...extra]
    heldCount = extra.length
  }
  const indices = prompts.map((_, i) => i)
  const grid: Grid = { prompts, seeds: base.seeds, thresholds: [] }
  return { grid, tuning: indices.slice(0, prompts.length - heldCount), held: indices.slice(prompts.length - heldCount) }
}

function summary(record: TuneRecord, dir: string, report: string): string {
  const c = record.choice
  const lines = [
    '',
    c ? `chosen: threshold ${c.threshold} (${c.computed_steps} of ${c.steps} steps computed), keeping ${record.gate_text} on every tuning prompt x seed` : `no schedule keeps ${record.gate_text}`,
    ...(record.held_out ? [`held-out prompts: the gate ${record.held_out.pass ? 'held' : 'did NOT hold'} (margins ${Object.entries(record.held_out.margin).map(([k, m]) => `${k} ${(m as number).toFixed(3)}`).join(', ')})`] : []),
    `cost: ${record.cost.generations} generations (a full sweep of the ${record.cost.schedules} distinct schedules: ${record.cost.full_sweep})`,
    ...(c ? [`config: ${join(dir, TUNED_CONFIG)}`] : []),
    `report: ${report}`,
  ]
  return `${lines.join('\n')}\n`
}

