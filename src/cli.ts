import { dirname } from 'node:path'
import { CommanderError, Option, type Command } from 'commander'
import { TeacacheError } from './errors.ts'
import { spaceCode, spaceError } from './util/disk.ts'
import type { Overrides } from './config/load.ts'
import { MAX_THRESHOLD, type OverrideCommand } from './config/schema.ts'
import { addOverrides, splitOverrides } from './cli/overrides.ts'
import { TeacacheCommand } from './cli/usage.ts'
import packageJson from '../package.json' with { type: 'json' }
import { parseRepeats } from './run/repeats.ts'

/**
 * The command line. Commands are imported lazily so `--help` and validation never load the
 * Python bridge; every failure ends at the one boundary in `main`. The config overrides
 * (--model, --steps, --height, ...) come from the table in config/schema.ts; the flags written
 * out here are each command's own.
 */

const bad = (flag: string, expected: string, value: string) => new TeacacheError('CONFIG', `${flag}: expected ${expected}, got "${value}"`)
const number = (flag: string, check: (n: number) => boolean, expected: string) => (value: string) => {
  const n = Number(value)
  if (value.trim() === '' || !check(n)) throw bad(flag, expected, value)
  return n
}
const integer = (flag: string) => number(flag, Number.isSafeInteger, 'an integer')
const thresholdList = (value: string) => {
  const items = value.split(',').map((item) => item.trim())
  const numbers = items.map(Number)
  const wrong = items.findIndex((item, i) => item === '' || !(numbers[i] >= 0 && numbers[i] <= MAX_THRESHOLD))
  if (wrong >= 0) throw new TeacacheError('CONFIG', `--thresholds: expected comma-separated thresholds from 0 to ${MAX_THRESHOLD}, got "${items[wrong]}" in "${value}"`)
  return numbers
}
const quiet = () => new Option('--quiet', 'no progress display').hideHelp()

/**
 * The action of a command that takes a config and the config overrides: its module is imported
 * only when it runs (`load`), and it gets the overrides apart from its own flags.
 */
function withOverrides(cmd: Command, command: OverrideCommand, load: () => Promise<(config: string, options: { overrides: Overrides }) => Promise<unknown>>): void {
  addOverrides(cmd, command).action(async (config: string, options) => {
    const handler = await load()
    const { overrides, rest } = splitOverrides(options, command)
    await handler(config, { ...rest, overrides })
  })
}

export function buildProgram(): Command {
  const program = new TeacacheCommand('teacache')
    .description('TeaCache for CogVideoX1.5: faster video generation, with the evidence')
    .version(packageJson.version)
    .exitOverride()

  const run = program
    .command('run')
    .description('generate one video from a YAML config, with the TeaCache policy deciding every step')
    .argument('<config>', 'YAML config (see configs/)')
    .option('--output <dir>', 'run folder to create (default: a new folder under the config\'s output)')
    .option('--force', 'replace --output if it is a run folder teacache made (never other files, the cwd or the config\'s folder)')
    .option('--no-warmup', 'skip the untimed warm-up generation (quick looks: the timings then include start-up costs)')
    .addOption(quiet())
  withOverrides(run, 'run', async () => (await import('./commands/run.ts')).runCommand)

  const plan = program
    .command('plan')
    .description('the skip schedule of each threshold, from the model\'s timestep embeddings or an earlier run (no denoising)')
    .argument('<config>', 'YAML config (see configs/)')
    .option('--thresholds <list>', `comma-separated thresholds (default: the config's sweep.thresholds, else a grid from 0 to 2)`, thresholdList)
    .option('--target-speedup <s>', 'pick the threshold that reaches this speedup with the fewest skipped steps', number('--target-speedup', (n) => Number.isFinite(n) && n >= 1, 'a speedup of 1 or more'))
    .option('--from-run <dir>', 'replay the indicator recorded in an earlier run folder and predict latency from its timings (no Python)')
    .option('--json', 'print the plan as JSON: [{threshold, computed_steps, skipped, predicted_speedup, predicted_seconds}]')
    .addOption(quiet())
  withOverrides(plan, 'plan', async () => (await import('./commands/plan.ts')).planCommand)

  const calibrate = program
    .command('calibrate')
    .description('fit TeaCache coefficients for a model and setting: every step computed, indicator vs output change, degree-4 least squares')
    .argument('<config>', 'YAML config: model, size, frames, steps and guidance to fit for')
    .option('--prompts <file>', 'prompts to calibrate on, one per line (default: the config\'s prompt)')
    .option('--output <file>', 'coefficients file to write (default: coefficients/<config name>.yaml beside the config); an SVG plot is written beside it')
    .option('--force', 'replace --output (and its plot) if calibrate wrote them')
    .addOption(quiet())
  withOverrides(calibrate, 'calibrate', async () => (await import('./commands/calibrate.ts')).calibrateCommand)

  const sweep = program
    .command('sweep')
    .description('run the uncached baseline and every threshold for every prompt and seed on one loaded pipeline, then write REPORT.md')
    .argument('<config>', 'YAML config (see configs/); its sweep: section may list thresholds, prompts and seeds')
    .option('--thresholds <list>', 'comma-separated thresholds (default: sweep.thresholds, else 0.1,0.2,0.3)')
    .option('--methods <list>', 'variants beside the baseline, e.g. teacache:0.1,fbc:0.05,pab,fastercache,magcache,taylorseer (name:value sets the main parameter, name:key=value any other; default: sweep.methods)')
    .option('--prompts <file>', 'prompts, one per line (default: sweep.prompts, else the config\'s prompt)')
    .option('--seeds <list>', 'comma-separated seeds (default: sweep.seeds, else the config\'s seed)')
    .option('--compile <modes>', 'none, blocks, or none,blocks: eager and/or compiled transformer blocks, each with its own baseline and thresholds, all compared with the eager baseline (default: sweep.compile, else the config\'s compile)')
    .option('--output <dir>', 'sweep folder: new, or an earlier run of the same sweep to finish (default: a new folder under the config\'s output)')
    .option('--force', 'redo every run, even completed ones, and accept a sweep folder of other settings')
    .option('--devices <list>', 'one worker process per device: GPU numbers or "cpu", e.g. 0,1,2,3')
    .option('--shard <i/n>', 'run only share i of n of the grid (1-based), e.g. one Slurm array task; needs --output')
    .option('--restarts <n>', 'if Python dies, resume the sweep in a new process up to n times (default 0: stop; rerunning resumes too)', number('--restarts', (n) => Number.isSafeInteger(n) && n >= 0, 'an integer of 0 or more'))
    .option('--repeats <k|auto>', 'time each run k times (same seed: the frames are written once); the report shows the median, spread and n (default auto: until 1 s is timed, at most 10; 1 for a generation of a second or more)', parseRepeats)
    .option('--no-warmup', 'skip each process\'s untimed warm-up generation (the first run\'s timings then include start-up costs)')
    .addOption(new Option('--no-report', 'leave REPORT.md to a later `teacache report` (workers of --devices)').hideHelp())
    .addOption(quiet())
  withOverrides(sweep, 'sweep', async () => (await import('./commands/sweep.ts')).sweepCommand)

  const tune = program
    .command('tune')
    .description('find the fastest setting that keeps a quality gate on every prompt x seed (bisection over TeaCache\'s distinct schedules and any --methods, ranked by measured speedup), check it on held-out prompts, write tuned.yaml and REPORT.md')
    .argument('<config>', 'YAML config (see configs/); its sweep: section may list prompts and seeds')
    .option('--gate <bounds>', 'quality gate against the uncached video, e.g. "psnr>=30,ssim>=0.92" (metrics: psnr, ssim, min_psnr: the worst frame, lpips<=x where its weights exist)')
    .option('--prompts <file>', 'tuning prompts, one per line (default: sweep.prompts, else the config\'s prompt)')
    .option('--seeds <list>', 'comma-separated seeds (default: sweep.seeds, else the config\'s seed)')
    .option('--holdout <n>', 'hold the last n prompts out of the search, and check the choice on them')
    .option('--holdout-prompts <file>', 'held-out prompts, one per line, that the search never sees')
    .option('--quantile <q>', 'judge the gate on the q-quantile of the prompts x seeds instead of the worst one (default 0: every one)')
    .option('--methods <list>', 'also tune these diffusers caches, each over a ladder of its main parameter (e.g. fbc,pab; other parameters fixed as for sweep: pab:spatial_attention_timestep_skip_range=0..1000)')
    .option('--compile <modes>', 'time the best TeaCache candidate under these compile modes too (none,blocks; quality is judged on eager blocks) and let the measured speedup pick the mode')
    .option('--output <dir>', 'sweep folder: new, or an earlier tune of the same config to resume (default: a new folder under the config\'s output)')
    .option('--force', 'redo every run, even completed ones')
    .option('--devices <list>', 'one `tune --shard` worker process per device: GPU numbers or "cpu", e.g. 0,1; each loads the model once')
    .option('--shard <i/n>', 'make share i of n of every step\'s prompt x seed groups and wait for the other shards\' in the same --output (1-based; shard 1 writes tune.json, tuned.yaml and the report); needs --output')
    .option('--repeats <k|auto>', 'timing rounds per prompt x seed group, as for sweep (default auto)', parseRepeats)
    .option('--no-warmup', 'skip the untimed warm-up generation')
    .addOption(quiet())
  withOverrides(tune, 'sweep', async () => (await import('./commands/tune.ts')).tuneCommand)

  program
    .command('report')
    .description('regenerate REPORT.md, chart.svg and the comparison videos of a sweep folder from its run folders (no Python)')
    .argument('<sweep-dir>', 'folder written by teacache sweep (shards merged: whatever runs are there)')
    .option('--no-videos', 'skip the side-by-side comparison videos')
    .option('--lpips [alexnet-weights]', 'also compute LPIPS (AlexNet), in Python: torchvision\'s alexnet-owt-7be5be79.pth from the torch hub cache or this file, and the lpips package\'s linear layers')
    .addOption(new Option('--quiet', 'print nothing').hideHelp())
    .action(async (dir: string, options) => {
      const { reportCommand } = await import('./commands/report.ts')
      // The one way a report starts Python: only when asked, and only then is the bridge loaded.
      const lpips = options.lpips === undefined ? undefined : await (await import('./report/lpips-run.ts')).computeLpips(dir, options.lpips)
      await reportCommand(dir, { ...options, lpips })
    })

  program
    .command('bench')
    .description('measure TeaCache overhead, skip fidelity, bridge round trip and sweep amortisation; write bench/results/latest.{json,md} (--mode quality: the report\'s PSNR/SSIM speed)')
    .option('--mode <mode>', 'cpu: the small random-weight model here; gpu: the full-size 5B architecture (needs CUDA); quality: PSNR/SSIM of a synthetic video pair, Node only; default cpu')
    .option('--gpu', 'same as --mode gpu')
    .option('--repeats <n>', 'measured rounds per comparison, after one warm-up round (default 10)', integer('--repeats'))
    .option('--steps <n>', 'denoising steps per generation (cpu, default 20) or timed transformer steps (gpu, default 3)', integer('--steps'))
    .option('--threads <n>', 'torch threads (0: torch\'s default); quality mode: metric worker threads (0: TEACACHE_QUALITY_THREADS, else the cores up to 16)', integer('--threads'))
    .option('--sweep-repeats <n>', 'rounds of sweep vs separate runs (0 skips that comparison; default 2)', integer('--sweep-repeats'))
    .option('--compile', 'gpu mode: also time torch.compile on the transformer blocks')
    .option('--frames <n>', 'quality mode: frames of the synthetic video (default 81)', integer('--frames'))
    .option('--width <n>', 'quality mode: frame width (default 1360)', integer('--width'))
    .option('--height <n>', 'quality mode: frame height (default 768)', integer('--height'))
    .option('--output <file.json>', 'results file; the .md goes beside it (default bench/results/latest.json, gpu-latest.json for gpu, quality-latest.json for quality)')
    .action(async (options) => {
      const { benchCommand } = await import('./commands/bench.ts')
      await benchCommand(options)
    })

  // New commands are registered above this line, one block each, importing their module lazily.
  return program
}

/** The single error boundary: expected failures print one message; the exit code says which kind. */
export async function main(argv = process.argv): Promise<number> {
  const program = buildProgram()
  try {
    await program.parseAsync(argv)
    return 0
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; a usage error (unknown flag, bad value) is bad input: 2.
      return error.exitCode === 0 ? 0 : 2
    }
    if (error instanceof TeacacheError) {
      process.stderr.write(`teacache: ${error.message}\n`)
      return error.exitCode
    }
    // A full disk is never an internal error, wherever it surfaced.
    const space = spaceCode(error)
    if (space) {
      const path = (error as NodeJS.ErrnoException).path
      process.stderr.write(`teacache: ${spaceError(space, path ? dirname(path) : 'the output folder').message}\n`)
      return 1
    }
    process.stderr.write(`teacache: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    return 1
  }
}
