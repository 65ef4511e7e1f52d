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

/** Poll `check` until it holds or `ms` pass; resolves to whether it held. */
export async function waitFor(check: () => boolean, ms: number, every = 50): Promise<boolean> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (check()) return true
    await new Promise((r) => setTimeout(r, every))
  }
  return check()
}
