/**
 * Process settings that decide whether a CPU measurement is stable, chosen before Python starts
 * (it reads them once). bench/PROFILE.md has the measurements (`python -m teacache.bench_profile
 * --environments`):
 * - glibc hands freed tensor memory back to the kernel and faults it in again on the next step;
 *   in a VM each fault is dear, and how many happen varies from repeat to repeat.
 * - Spinning OpenMP workers (the default) are fastest on an idle machine but collapse when
 *   another process holds a core; passive waiting costs time when idle but degrades gracefully.
 *   So passive only when the machine is busy.
 */

export const MALLOC_SETTINGS: Record<string, string> = {
  // The largest threshold glibc accepts (32 MiB): tensors below it come from the heap, not mmap.
  MALLOC_MMAP_THRESHOLD_: String(32 * 2 ** 20),
  // Never give the heap top back: the next step would fault the same pages in again.
  MALLOC_TRIM_THRESHOLD_: String(2 ** 32 - 1),
  MALLOC_TOP_PAD_: String(256 * 2 ** 20),
}

/** Other processes' share of the machine above which the bench switches OpenMP to passive waiting. */
export const BUSY_SHARE = 0.1

export interface BenchEnvironment {
  /** Variables to set (never one the user already set). */
  set: Record<string, string>
  reasons: string[]
}

export function benchEnvironment(env: NodeJS.ProcessEnv, foreignShare: number | null): BenchEnvironment {
  const set: Record<string, string> = {}
  const reasons: string[] = []
  const mallocFree = Object.keys(MALLOC_SETTINGS).filter((name) => env[name] === undefined)
  for (const name of mallocFree) set[name] = MALLOC_SETTINGS[name]
  if (mallocFree.length > 0) reasons.push('glibc malloc keeps freed memory (no page faults per step)')
  if (env.OMP_WAIT_POLICY === undefined && foreignShare !== null && foreignShare > BUSY_SHARE) {
    set.OMP_WAIT_POLICY = 'PASSIVE'
    reasons.push(`other processes used ${(foreignShare * 100).toFixed(0)}% of the CPU before the start: OpenMP waits passively`)
  }
  return { set, reasons }
}
