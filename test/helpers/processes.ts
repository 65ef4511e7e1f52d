import { execaSync } from 'execa'

/** Child processes of `pid` whose command line contains `marker` (e.g. "interface.py", "teacache.mjs"). */
export function childrenOf(pid: number, marker: string): number[] {
  return execaSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { reject: false })
    .stdout.split('\n')
    .filter((line) => line.includes(marker))
    .map((line) => Number(line.trim().split(/\s+/)[0]))
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/**
 * Poll `check` until it holds, with no deadline of its own: what a test waits for is a marker (a
 * file, a process gone), and how long a busy machine takes to get there is no part of the test.
 * The test's timeout still ends a wait for something that never comes.
 */
export async function until(check: () => boolean, every = 20): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, every))
}
