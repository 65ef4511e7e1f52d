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
}

export interface BenchOptions {
  mode: 'cpu' | 'gpu'
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
}

export const DEFAULTS = { repeats: 10, cpuSteps: 20, gpuSteps: 3, sweepRepeats: 2 }
const OUTPUT = { cpu: 'bench/results/latest.json', gpu: 'bench/results/gpu-latest.json' }

const bad = (flag: string, message: string) => new TeacacheError('CONFIG', `${flag}: ${message}`)

function whole(flag: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value < min || value > max) throw bad(flag, `expected an integer from ${min} to ${max}, got ${value}`)
  return value
}

export function benchOptions(flags: BenchFlags, cwd = process.cwd()): BenchOptions {
  if (flags.mode !== undefined && flags.mode !== 'cpu' && flags.mode !== 'gpu') throw bad('--mode', `expected "cpu" or "gpu", got "${flags.mode}"`)
  if (flags.gpu && flags.mode === 'cpu') throw bad('--gpu', 'contradicts --mode cpu')
  const mode = flags.gpu ? 'gpu' : (flags.mode ?? 'cpu')
  if (mode === 'cpu' && flags.compile) throw bad('--compile', 'times torch.compile on the full-size model: use it with --mode gpu')
  if (mode === 'gpu' && flags.sweepRepeats !== undefined) throw bad('--sweep-repeats', 'the sweep comparison runs in cpu mode only')
  // Skip fidelity needs steps to skip: with fewer than 6, two distinct skip levels do not exist.
  const steps = whole('--steps', flags.steps, mode === 'cpu' ? DEFAULTS.cpuSteps : DEFAULTS.gpuSteps, mode === 'cpu' ? 6 : 1, 200)
  const json = resolve(cwd, flags.output ?? OUTPUT[mode])
  if (extname(json) !== '.json') throw bad('--output', `expected a .json file (the .md is written beside it), got ${flags.output}`)
  return {
    mode,
    repeats: whole('--repeats', flags.repeats, DEFAULTS.repeats, 2, 1000),
    steps,
    threads: whole('--threads', flags.threads, 0, 0, 1024),
    sweepRepeats: whole('--sweep-repeats', flags.sweepRepeats, mode === 'cpu' ? DEFAULTS.sweepRepeats : 0, 0, 100),
    json,
    markdown: json.replace(/\.json$/, '.md'),
    compile: Boolean(flags.compile),
  }
}
