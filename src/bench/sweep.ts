import { promises as fs } from 'node:fs'
import { basename, join } from 'node:path'
import { execa } from 'execa'
import { BIN_PATH, PROJECT_ROOT } from '../python/interpreter.ts'
import { readJson } from '../util/fs.ts'
import { cpus } from 'node:os'
import { foreignLoad, machineBusySeconds, selfAndChildrenCpuSeconds } from './cpu-time.ts'
import { median, summarize, type Summary } from './stats.ts'

/**
 * Sweep amortisation: one `teacache sweep` process (load once, encode once, baseline plus k
 * thresholds) against the same k+1 runs as separate `teacache run` processes, each starting
 * Python and loading the model itself. Both are timed as a user would see them: process wall
 * time, from spawn to exit.
 */

export interface SweepAmortisation {
  /** Median wall time of the k+1 separate runs over that of the one sweep: how many times faster the sweep is. */
  value: number
  compared: string
  thresholds: number[]
  runs: number
  sweep_s: Summary
  separate_s: Summary
  /** (separate - sweep) / k: what each process the sweep does not start (Python, imports, load) costs. */
  saved_per_process_s: number
  /** From the sweep's run.json files: how many runs paid for a model load and for a prompt encode. */
  sweep_runs_with_load: number
  sweep_runs_with_prompt_encode: number
  /** run.json files found in the sweep folder (expected: runs). */
  sweep_run_records: number
  /** Other processes' share of the machine while the compared processes ran. */
  foreign_load: Summary | null
  samples: { sweep_s: number[]; separate_s: number[]; separate_runs_s: number[][] }
}

/** Other processes' share of the machine during each timed process (0..1), where /proc tells. */
const foreignShares: number[] = []

async function timed(args: string[]): Promise<number> {
  const busy = machineBusySeconds()
  const ours = selfAndChildrenCpuSeconds()
  const started = performance.now()
  const result = await execa(process.execPath, [BIN_PATH, ...args], { reject: false, stdin: 'ignore', cwd: PROJECT_ROOT })
  const seconds = (performance.now() - started) / 1000
  const busyNow = machineBusySeconds()
  const oursNow = selfAndChildrenCpuSeconds()
  if (busy !== null && busyNow !== null && ours !== null && oursNow !== null) {
    foreignShares.push(foreignLoad(busyNow - busy, oursNow - ours, seconds, cpus().length))
  }
  if (result.exitCode !== 0) {
    throw new Error(`teacache ${args.join(' ')} exited with code ${result.exitCode}: ${String(result.stderr).trim().split('\n').slice(-3).join(' | ')}`)
  }
  return seconds
}

/** Load and prompt-encode counts, from the run.json of every run folder a sweep wrote (at any depth). */
export async function sweepCosts(dir: string): Promise<{ runs: number; withLoad: number; withEncode: number }> {
  const entries = await fs.readdir(dir, { recursive: true })
  const records = await Promise.all(
    entries
      .filter((entry) => basename(entry) === 'run.json')
      .map((entry) => readJson<{ timings_s: { load: number; encode_prompt: number } }>(join(dir, entry))),
  )
  return {
    runs: records.length,
    withLoad: records.filter((r) => r.timings_s.load > 0).length,
    withEncode: records.filter((r) => r.timings_s.encode_prompt > 0).length,
  }
}

export async function measureSweep(options: {
  config: string
  baselineConfig: string
  thresholds: number[]
  repeats: number
  workDir: string
  onProgress?: (text: string) => void
}): Promise<SweepAmortisation> {
  const { thresholds, workDir } = options
  const sweepTimes: number[] = []
  const separate: number[][] = []
  let costs = { runs: 0, withLoad: 0, withEncode: 0 }
  foreignShares.length = 0
  for (let round = 0; round < options.repeats; round++) {
    // S R, then R S: neither side always goes first.
    const order = round % 2 === 0 ? ['sweep', 'runs'] : ['runs', 'sweep']
    for (const what of order) {
      const dir = join(workDir, `${what}-${round}`)
      if (what === 'sweep') {
        options.onProgress?.(`sweep amortisation: round ${round + 1}/${options.repeats}, teacache sweep`)
        // One timed generation a cell, as each `teacache run` does: the same work on both sides.
        sweepTimes.push(await timed(['sweep', options.config, '--thresholds', thresholds.join(','), '--repeats', '1', '--output', dir, '--quiet']))
        costs = await sweepCosts(dir)
      } else {
        const times: number[] = []
        options.onProgress?.(`sweep amortisation: round ${round + 1}/${options.repeats}, ${thresholds.length + 1} x teacache run`)
        times.push(await timed(['run', options.baselineConfig, '--output', join(dir, 'baseline'), '--quiet']))
        for (const t of thresholds) times.push(await timed(['run', options.config, '--rel-l1-thresh', String(t), '--output', join(dir, `t${t}`), '--quiet']))
        separate.push(times)
      }
    }
  }
  const separateTotals = separate.map((times) => times.reduce((a, b) => a + b, 0))
  const runs = thresholds.length + 1
  return {
    value: median(separateTotals) / median(sweepTimes),
    compared:
      `one \`teacache sweep CONFIG --thresholds ${thresholds.join(',')} --repeats 1\` process (baseline + ${thresholds.length} thresholds = ${runs} runs, ` +
      `plus its REPORT.md) against ${runs} separate \`teacache run\` processes (baseline config with teacache.enabled false, then each threshold), ` +
      'each timed from spawn to exit, all writing frames and video.mp4',
    thresholds,
    runs,
    sweep_s: summarize(sweepTimes),
    separate_s: summarize(separateTotals),
    saved_per_process_s: (median(separateTotals) - median(sweepTimes)) / Math.max(1, thresholds.length),
    sweep_runs_with_load: costs.withLoad,
    sweep_runs_with_prompt_encode: costs.withEncode,
    sweep_run_records: costs.runs,
    foreign_load: foreignShares.length ? summarize(foreignShares) : null,
    samples: { sweep_s: sweepTimes, separate_s: separateTotals, separate_runs_s: separate },
  }
}
