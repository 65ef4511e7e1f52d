import { extname, resolve } from 'node:path'
import { TeacacheError } from '../errors.ts'

/** `teacache bench` flags, checked before anything starts. */
export interface BenchFlags {
  mode?: string
  gpu?: boolean
  repeats?: number
  steps?: number
  threads?: number
  sweepRepeats?: number
  output?: string
  compile?: boolean
  frames?: number
  width?: number
  height?: number
}

export interface BenchOptions {
  mode: 'cpu' | 'gpu' | 'quality' | 'busy'
  /** Measured rounds per comparison (each variant denoises once per round). */
  repeats: number
  /** Denoising steps per generation (cpu), transformer steps timed (gpu). */
  steps: number
  threads: number
  sweepRepeats: number
  /** The JSON results file; the markdown goes beside it with .md. */
  json: string
  markdown: string
  compile: boolean
  /** quality mode: the synthetic video pair (threads 0 there: qualityThreads()). */
  video?: { frames: number; width: number; height: number }
}

export const DEFAULTS = { repeats: 10, cpuSteps: 20, gpuSteps: 3, sweepRepeats: 2, qualityRepeats: 3 }
const OUTPUT = { cpu: 'bench/results/latest.json', gpu: 'bench/results/gpu-latest.json', quality: 'bench/results/quality-latest.json', busy: 'bench/results/busy-latest.json' }

const bad = (flag: string, message: string) => new TeacacheError('CONFIG', `${flag}: ${message}`)

function whole(flag: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value < min || value > max) throw bad(flag, `expected an integer from ${min} to ${max}, got ${value}`)
  return value
}

/** The JSON results file asked for (or the mode's own) and the markdown beside it. */
function outputFiles(flags: BenchFlags, cwd: string, mode: BenchOptions['mode']): Pick<BenchOptions, 'json' | 'markdown'> {
  const json = resolve(cwd, flags.output ?? OUTPUT[mode])
  if (extname(json) !== '.json') throw bad('--output', `expected a .json file (the .md is written beside it), got ${flags.output}`)
  return { json, markdown: json.replace(/\.json$/, '.md') }
}

export function benchOptions(flags: BenchFlags, cwd = process.cwd()): BenchOptions {
  if (flags.mode !== undefined && flags.mode !== 'cpu' && flags.mode !== 'gpu' && flags.mode !== 'quality' && flags.mode !== 'busy') {
    throw bad('--mode', `expected "cpu", "gpu", "quality" or "busy", got "${flags.mode}"`)
  }
  if (flags.mode === 'quality') return qualityOptions(flags, cwd)
  if (flags.mode === 'busy') return busyOptions(flags, cwd)
  for (const flag of ['frames', 'width', 'height'] as const) {
    if (flags[flag] !== undefined) throw bad(`--${flag}`, 'sizes the synthetic video of --mode quality only')
  }
  if (flags.gpu && flags.mode === 'cpu') throw bad('--gpu', 'contradicts --mode cpu')
  const mode = flags.gpu ? 'gpu' : (flags.mode ?? 'cpu')
  if (mode === 'cpu' && flags.compile) throw bad('--compile', 'times torch.compile on the full-size model: use it with --mode gpu')
  if (mode === 'gpu' && flags.sweepRepeats !== undefined) throw bad('--sweep-repeats', 'the sweep comparison runs in cpu mode only')
  // Skip fidelity needs steps to skip: with fewer than 6, two distinct skip levels do not exist.
  const steps = whole('--steps', flags.steps, mode === 'cpu' ? DEFAULTS.cpuSteps : DEFAULTS.gpuSteps, mode === 'cpu' ? 6 : 1, 200)
  return {
    mode,
    ...outputFiles(flags, cwd, mode),
    repeats: whole('--repeats', flags.repeats, DEFAULTS.repeats, 2, 1000),
    steps,
    threads: whole('--threads', flags.threads, 0, 0, 1024),
    sweepRepeats: whole('--sweep-repeats', flags.sweepRepeats, mode === 'cpu' ? DEFAULTS.sweepRepeats : 0, 0, 100),
    compile: Boolean(flags.compile),
  }
}

/** --mode quality: Node only, so the Python flags mean nothing there. */
function qualityOptions(flags: BenchFlags, cwd: string): BenchOptions {
  if (flags.gpu) throw bad('--gpu', 'contradicts --mode quality')
  for (const [flag, value] of [['--steps', flags.steps], ['--sweep-repeats', flags.sweepRepeats], ['--compile', flags.compile]] as const) {
    if (value !== undefined && value !== false) throw bad(flag, 'does not apply to --mode quality')
  }
  return {
    mode: 'quality',
    ...outputFiles(flags, cwd, 'quality'),
    repeats: whole('--repeats', flags.repeats, DEFAULTS.qualityRepeats, 1, 100),
    steps: 0,
    threads: whole('--threads', flags.threads, 0, 0, 256),
    sweepRepeats: 0,
    compile: false,
    // The goal's size by default; at least the SSIM window (11x11) each way.
    video: {
      frames: whole('--frames', flags.frames, 81, 1, 1000),
      width: whole('--width', flags.width, 1360, 11, 8192),
      height: whole('--height', flags.height, 768, 11, 8192),
    },
  }
}

/** --mode busy: whole sweeps through the CLI, so only the output file applies. */
function busyOptions(flags: BenchFlags, cwd: string): BenchOptions {
  for (const [flag, value] of Object.entries(flags)) {
    if (flag !== 'mode' && flag !== 'output' && value !== undefined && value !== false) throw bad(`--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, 'does not apply to --mode busy')
  }
  return { mode: 'busy', repeats: 0, steps: 0, threads: 0, sweepRepeats: 0, ...outputFiles(flags, cwd, 'busy'), compile: false }
}
