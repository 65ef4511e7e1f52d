import { readdirSync, readFileSync } from 'node:fs'

/**
 * CPU time actually spent, next to wall time. On a CPU shared with other work, wall time
 * measures the neighbours as much as the code; on-CPU time of both processes of the bridge
 * (Python doing the steps, Node answering the policy callbacks) does not.
 */

/** Nanoseconds on a CPU, summed over a process's threads (Linux /proc/PID/task/TID/schedstat); null elsewhere. */
export function processCpuNanos(pid: number): number | null {
  try {
    let total = 0
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0])
      } catch {
        // A thread that ended between the listing and the read has no time left to count.
      }
    }
    return total
  } catch {
    return null
  }
}

/** Starts a stopwatch of CPU seconds for the Python process plus this Node process. */
export function cpuStopwatch(pythonPid: number): () => number | null {
  const python = processCpuNanos(pythonPid)
  const node = process.cpuUsage()
  return () => {
    const pythonNow = processCpuNanos(pythonPid)
    if (python === null || pythonNow === null) return null
    const nodeUsed = process.cpuUsage(node)
    return (pythonNow - python) / 1e9 + (nodeUsed.user + nodeUsed.system) / 1e6
  }
}

/** Busy CPU seconds of the whole machine so far, all cores (Linux /proc/stat, USER_HZ = 100); null elsewhere. */
export function machineBusySeconds(): number | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
    const [user, nice, system, , , irq, softirq, steal] = fields
    return (user + nice + system + irq + softirq + (steal ?? 0)) / 100
  } catch {
    return null
  }
}

/**
 * Share of the machine (0..1) that other processes used while `ourCpuSeconds` were spent here
 * over `wallSeconds`: the contention a sample was measured under.
 */
export function foreignLoad(busySeconds: number, ourCpuSeconds: number, wallSeconds: number, cores: number): number {
  return Math.min(1, Math.max(0, (busySeconds - ourCpuSeconds) / (wallSeconds * cores)))
}

/** Other processes' share of the machine over the next `ms` milliseconds, this process idle meanwhile. */
export async function probeForeignShare(ms: number, cores: number): Promise<number | null> {
  const before = machineBusySeconds()
  const started = performance.now()
  await new Promise((resolve) => setTimeout(resolve, ms))
  const after = machineBusySeconds()
  if (before === null || after === null) return null
  return foreignLoad(after - before, 0, (performance.now() - started) / 1000, cores)
}

/** CPU seconds of this process plus its finished children (/proc/self/stat utime..cstime); null elsewhere. */
export function selfAndChildrenCpuSeconds(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8')
    // Fields after the parenthesised command name; utime, stime, cutime, cstime are fields 14-17.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number)
    return (fields[11] + fields[12] + fields[13] + fields[14]) / 100
  } catch {
    return null
  }
}
