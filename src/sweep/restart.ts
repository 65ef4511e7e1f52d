import { resolve } from 'node:path'
import { execa } from 'execa'
import { overrideArgs } from '../cli/overrides.ts'
import type { Overrides } from '../config/load.ts'
import { BIN_PATH } from '../python/interpreter.ts'
import type { Repeats } from '../run/repeats.ts'
import type { GridFlags } from './inputs.ts'

/** The flags of a sweep that a restarted process needs to carry on where this one stopped: its grid's and these. */
export interface RestartFlags extends GridFlags {
  shard?: string
  /** Flags that replace config fields (--model, --steps, --device, --coefficients, ...), passed on as they were given. */
  overrides?: Overrides
  /** Timed generations per cell (default auto, src/run/repeats.ts): the report shows their median, spread and n. */
  repeats?: Repeats
  /** false: no untimed warm-up before the first timed generation of each process. */
  warmup?: boolean
  /** false: leave REPORT.md to the caller (a --devices parent writes it once all workers are done). */
  report?: boolean
  quiet?: boolean
}

/**
 * The command line that resumes a sweep in `dir` with one restart fewer. `--force` is dropped on
 * purpose: the restarted sweep must keep the runs this one completed.
 */
export function restartArgs(configPath: string, dir: string, flags: RestartFlags, restartsLeft: number): string[] {
  const value = (flag: string, v: string | number | undefined) => (v === undefined ? [] : [flag, String(v)])
  return [
    'sweep', configPath, '--output', dir, '--restarts', String(restartsLeft),
    ...value('--thresholds', flags.thresholds),
    ...value('--prompts', flags.prompts === undefined ? undefined : resolve(flags.prompts)),
    ...value('--seeds', flags.seeds),
    ...value('--shard', flags.shard),
    ...overrideArgs(flags.overrides ?? {}),
    ...value('--repeats', flags.repeats),
    ...value('--compile', flags.compile),
    ...value('--methods', flags.methods),
    ...(flags.warmup === false ? ['--no-warmup'] : []),
    ...(flags.report === false ? ['--no-report'] : []),
    ...(flags.quiet ? ['--quiet'] : []),
  ]
}

/**
 * Python died: the pythonia bridge cannot be restarted in this Node process, so a new
 * `teacache sweep` process resumes the sweep (completed runs are skipped, the crashed one redone).
 * Signals are passed on so Ctrl-C still stops everything. Resolves to its exit code.
 */
export async function restartSweep(args: string[]): Promise<number> {
  const child = execa(process.execPath, [BIN_PATH, ...args], { stdio: 'inherit', reject: false })
  const forward = (signal: NodeJS.Signals) => child.kill(signal)
  process.on('SIGINT', forward)
  process.on('SIGTERM', forward)
  try {
    const result = await child
    return result.exitCode ?? (result.signal === 'SIGINT' ? 130 : 143)
  } finally {
    process.off('SIGINT', forward)
    process.off('SIGTERM', forward)
  }
}
