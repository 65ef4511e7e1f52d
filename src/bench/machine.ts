import { readFileSync } from 'node:fs'
import { arch, cpus, getPriority, loadavg, platform, release, totalmem } from 'node:os'

/** What a benchmark figure was measured on: without this a number means nothing. */
export interface Machine {
  cpu_model: string
  cores: number
  memory_gib: number
  platform: string
  /** 1-minute load average at the start and end: above `cores`, other work shared the CPU. */
  load_average_start: number
  load_average_end: number | null
  /** Scheduling niceness the bench ran at (negative: ahead of other work on a shared CPU). */
  nice: number
  /** OpenMP/torch environment that changes how threads behave on a shared CPU. */
  env: Record<string, string>
}

/** What every bench results file opens with, after its format. */
export interface BenchHeader {
  date: string
  command: string
  duration_s: number
  machine: Machine
}

function cpuModel(): string {
  const model = cpus()[0]?.model?.trim()
  if (model) return model
  try {
    return /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

export function describeMachine(): Machine {
  const env: Record<string, string> = {}
  for (const name of ['OMP_WAIT_POLICY', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_', 'MALLOC_TOP_PAD_']) {
    if (process.env[name] !== undefined) env[name] = process.env[name] as string
  }
  return {
    cpu_model: cpuModel(),
    cores: cpus().length,
    memory_gib: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    platform: `${platform()}-${arch()} ${release()}`,
    load_average_start: loadavg()[0],
    load_average_end: null,
    nice: getPriority(),
    env,
  }
}

export function finishMachine(machine: Machine): Machine {
  return { ...machine, load_average_end: loadavg()[0] }
}
