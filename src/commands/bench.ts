import { mkdtempSync, promises as fs } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { stringify } from 'yaml'
import { overhead, skipFidelity } from '../bench/analyze.ts'
import { analyzeGpu, measureGpu, renderGpuMarkdown } from '../bench/gpu.ts'
import { probeForeignShare } from '../bench/cpu-time.ts'
import { benchEnvironment } from '../bench/environment.ts'
import { measureBusy, renderBusyMarkdown } from '../bench/busy.ts'
import { describeMachine, finishMachine } from '../bench/machine.ts'
import { alternate, bridgeRoundtrip, type Variant } from '../bench/measure.ts'
import { benchOptions, type BenchFlags, type BenchOptions } from '../bench/options.ts'
import { analyzeQualityBench, measureQualityBench } from '../bench/quality.ts'
import { renderQualityMarkdown } from '../bench/quality-report.ts'
import { renderMarkdown } from '../bench/report.ts'
import { explain, skipSummary, type BenchResults } from '../bench/results.ts'
import { quantile, summarize } from '../bench/stats.ts'
import { measureSweep, type SweepAmortisation } from '../bench/sweep.ts'
import { thresholdForSkipFraction } from '../bench/thresholds.ts'
import { TeacacheError } from '../errors.ts'
import { denoiseRequest } from '../run/request.ts'
import { PythonSession } from '../engine/session.ts'
import { buildSmallModel, findPython, PROJECT_ROOT } from '../bench/small-model.ts'
import { qualityThreads } from '../quality/pool.ts'
import { canCreate, writeFileAtomic, writeJsonAtomic } from '../util/fs.ts'

/** `teacache bench`: the figures behind "the orchestration costs nothing", measured, with their spread. */

/** rescaled = distance: the random-weight model has no fitted polynomial. */
const IDENTITY = [0, 0, 0, 1, 0] as const
const SKIP_TARGETS = [0.3, 0.5]
const BRIDGE_CALLS = 2000
const GUIDANCE = 6
const PROMPT = 'A red panda drinks tea in a bamboo forest at dawn, soft light, gentle camera pan.'
const NEGATIVE = 'blurry, low quality'
// python/teacache/bench.py SMALL_VIDEO: the size the small model was calibrated at.
const VIDEO = { height: 128, width: 128, frames: 33 }

const say = (text: string) => process.stderr.write(`bench: ${text}\n`)

function commandLine(): string {
  const args = process.argv.slice(3).join(' ')
  return process.env.npm_lifecycle_event === 'bench' ? `npm run bench${args ? ` -- ${args}` : ''}` : `teacache bench${args ? ` ${args}` : ''}`
}

export async function benchCommand(flags: BenchFlags): Promise<void> {
  const options = benchOptions(flags)
  if (!(await canCreate(dirname(options.json)))) throw new TeacacheError('OUTPUT', `--output: ${options.json} cannot be written`)
  if (options.mode === 'quality') return await qualityBench(options)
  if (options.mode === 'busy') return await busyBench(options)
  // Python (and every `run`/`sweep` process of the sweep comparison) inherits these.
  const environment = benchEnvironment(process.env, await probeForeignShare(2000, cpus().length))
  Object.assign(process.env, environment.set)
  for (const reason of environment.reasons) say(reason)
  await inTempDir('teacache-bench-', (work) => (options.mode === 'gpu' ? gpuBench(options, work) : cpuBench(options, work)))
}

/** A temp folder for `use`, removed after it, also when it fails. */
async function inTempDir<T>(prefix: string, use: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  try {
    return await use(dir)
  } finally {
    await fs.rm(dir, { recursive: true, force: true })
  }
}

/** Node only: never starts Python, so none of the Python process settings above apply. */
async function qualityBench(options: BenchOptions): Promise<void> {
  const started = performance.now()
  const machine = describeMachine()
  const { video } = options
  if (!video) throw new Error('--mode quality without a video size')
  const threads = options.threads || qualityThreads()
  const measured = await inTempDir('teacache-bench-quality-', (work) => measureQualityBench({ ...video, repeats: options.repeats, threads, workDir: work, onProgress: say }))
  const results = analyzeQualityBench(measured, {
    date: new Date().toISOString(), command: commandLine(), duration_s: (performance.now() - started) / 1000, machine: finishMachine(machine), repeats: options.repeats,
  })
  await writeResults(options, results, renderQualityMarkdown(results))
}

/** The issue's sweep, quiet and against two busy loops, each grown by one threshold (bench/results/busy-latest.*). */
async function busyBench(options: BenchOptions): Promise<void> {
  const scenarios = await inTempDir('teacache-bench-busy-', (work) => measureBusy({
    config: join(PROJECT_ROOT, 'configs', 'tiny.yaml'), thresholds: [0.5, 1, 1.5], grow: 2, seeds: [42, 43], loops: [0, 2], workDir: work, onProgress: say,
  }))
  const machine = finishMachine(describeMachine())
  const results = { format: 'teacache-bench-busy/1', date: new Date().toISOString(), command: commandLine(), machine, scenarios }
  await writeResults(options, results, renderBusyMarkdown({ ...results, machine: `${machine.cpu_model} (${machine.cores} cores)` }))
}

async function gpuBench(options: BenchOptions, work: string): Promise<void> {
  say(`full-size CogVideoX1.5-5B transformer and VAE, random weights, ${options.steps} timed steps${options.compile ? ', then torch.compile' : ''}`)
  const measured = await measureGpu(findPython(), { steps: options.steps, compile: options.compile, workDir: work })
  const results = analyzeGpu(measured, { date: new Date().toISOString(), command: commandLine() })
  await writeResults(options, results, renderGpuMarkdown(results))
}

async function cpuBench(options: BenchOptions, work: string): Promise<void> {
  const started = performance.now()
  const machine = describeMachine()
  const modelDir = join(work, 'small')
  say('building the small model (random seeded weights)')
  await buildSmallModel(modelDir)

  const session = new PythonSession()
  try {
    const { engine, versions } = await session.start()
    const facts = await session.loadWith({ model: modelDir, device: 'cpu', dtype: 'float32', vae_slicing: false, vae_tiling: false, cpu_offload: 'none', threads: options.threads, trust_remote_code: false })
    await engine.encodePrompt(PROMPT, NEGATIVE, GUIDANCE)
    const args = denoiseRequest({ prompt: PROMPT, negative_prompt: NEGATIVE, guidance_scale: GUIDANCE, seed: 42, steps: options.steps, use_dynamic_cfg: true, generator: 'cpu', compile: 'none', ...VIDEO })
    const trace = await engine.indicatorTrace(options.steps, GUIDANCE)
    const picks = SKIP_TARGETS.map((target) => ({ target, ...thresholdForSkipFraction(IDENTITY, trace.distances, target) }))
    say(`thresholds ${picks.map((p) => `${p.threshold} (skips ${p.skipped}/${options.steps})`).join(', ')}`)

    say(`bridge round trip: ${BRIDGE_CALLS} policy calls`)
    const roundtrip = (await bridgeRoundtrip(engine, IDENTITY, BRIDGE_CALLS, 200)).map((s) => s * 1000)

    const progress = (what: string) => (done: number, total: number) => {
      if (done === total || done % 4 === 0) say(`${what}: ${done}/${total} denoises`)
    }
    const unpatched: Variant = { name: 'unpatched', threshold: null }
    const o = await alternate(engine, args, IDENTITY, [unpatched, { name: 'threshold 0', threshold: 0 }], {
      rounds: options.repeats, warmupRounds: 1, onSample: progress('overhead'),
    })
    const skipVariants = picks.map((p) => ({ name: `threshold ${p.threshold}`, threshold: p.threshold }))
    const s = await alternate(engine, args, IDENTITY, [unpatched, ...skipVariants], {
      rounds: options.repeats, warmupRounds: 1, onSample: progress('skip fidelity'),
    })
    await session.stop()

    const overheadResult = overhead(o.samples[0], o.samples[1])
    const skips = picks.map((p, i) => skipFidelity(s.samples[0], s.samples[i + 1], p.threshold, p.target))
    const sweepThresholds = [0, ...picks.map((p) => p.threshold)]
    const sweep = options.sweepRepeats === 0
      ? { value: null, reason: 'skipped (--sweep-repeats 0)' }
      : { mode: 'teacache sweep' as const, ...(await measureSweep({ ...(await writeConfigs(work, modelDir, options)), thresholds: sweepThresholds, repeats: options.sweepRepeats, workDir: work, onProgress: say })) }

    const base = {
      machine: finishMachine(machine),
      model: {
        name: 'small', num_layers: facts.num_layers, num_attention_heads: facts.num_attention_heads, attention_head_dim: facts.attention_head_dim,
        ...VIDEO, steps: options.steps, guidance_scale: GUIDANCE, batch: 2, dtype: facts.dtype, torch_threads: facts.threads,
        step_ms: overheadResult.step_ms.median,
      },
      overhead_ratio: overheadResult,
      skip_fidelity: skipSummary(skips, s.samples[0].map((x) => x.seconds)),
      bridge_roundtrip_ms: { ...summarize(roundtrip), p99: quantile(roundtrip, 0.99), samples: roundtrip.map((x) => Math.round(x * 1e4) / 1e4) },
    }
    const results: BenchResults = {
      format: 'teacache-bench/1',
      date: new Date().toISOString(),
      command: commandLine(),
      duration_s: (performance.now() - started) / 1000,
      versions: { node: process.version, python: versions.python, torch: versions.torch, diffusers: versions.diffusers, transformers: versions.transformers },
      settings: { repeats: options.repeats, warmup_rounds: 1, coefficients: IDENTITY, bridge_calls: BRIDGE_CALLS },
      ...base,
      sweep_amortisation: sweep,
      notes: [...explain(base), ...(sweep.value === null ? [] : sweepNotes(sweep))],
    }
    await writeResults(options, results, renderMarkdown(results))
  } catch (error) {
    throw session.failure(error, 'nothing written')
  } finally {
    await session.close()
  }
}

function sweepNotes(sweep: SweepAmortisation): string[] {
  const notes = [`sweep_amortisation compares ${sweep.compared}.`]
  const share = sweep.foreign_load?.median ?? 0
  if (share > 0.1) {
    notes.push(`Other processes used a median ${(share * 100).toFixed(0)}% of the machine while the sweep comparison ran: its ratio carries that noise (the in-process figures above were measured apart from it).`)
  }
  return notes
}

/** The small model as `run` and `sweep` see it: a config file, plus one with TeaCache off for the baseline run. */
async function writeConfigs(work: string, modelDir: string, options: BenchOptions): Promise<{ config: string; baselineConfig: string }> {
  const config = {
    model: modelDir, prompt: PROMPT, negative_prompt: NEGATIVE, seed: 42, steps: options.steps, guidance_scale: GUIDANCE, use_dynamic_cfg: true,
    ...VIDEO, fps: 8, device: 'cpu', dtype: 'float32', vae_slicing: false, vae_tiling: false, threads: options.threads,
    output: join(work, 'outputs'), teacache: { rel_l1_thresh: 0, coefficients: [...IDENTITY] },
  }
  const paths = { config: join(work, 'small.yaml'), baselineConfig: join(work, 'small-baseline.yaml') }
  await fs.writeFile(paths.config, stringify(config))
  await fs.writeFile(paths.baselineConfig, stringify({ ...config, teacache: { ...config.teacache, enabled: false } }))
  return paths
}

async function writeResults(options: BenchOptions, results: object, markdown: string): Promise<void> {
  await fs.mkdir(dirname(options.json), { recursive: true })
  await writeJsonAtomic(options.json, results)
  await writeFileAtomic(options.markdown, markdown)
  process.stdout.write(`\n${markdown}\n`)
  // Results replace the previous ones on purpose (they are committed); say so rather than do it silently.
  say(`wrote ${relative(PROJECT_ROOT, options.json)} and ${relative(PROJECT_ROOT, options.markdown)} (replacing any earlier results there)`)
}
