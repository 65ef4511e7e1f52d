import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from './temp.ts'
import { until } from './processes.ts'

/**
 * The test-only hold (TEACACHE_TEST_HOLD, python/teacache/hold.py): every step loop of a Python
 * started with `env` stops after step `step` and writes held-<its pid> here, so a test signals or
 * kills a run that is certainly mid-run, however fast or busy the machine, and with few steps.
 */
export interface Hold {
  env: NodeJS.ProcessEnv
  /** The pids of the Pythons holding now. */
  held(): number[]
  /**
   * Waits until `count` Pythons hold (their pids), failing at once, with the command's stderr,
   * if `command` ends first.
   */
  reached(command: Promise<unknown> & { stderr?: unknown }, count?: number): Promise<number[]>
  /** Lets this Python's loop go on (its next loop stops again). */
  letGo(pid: number): void
  /** Lets every loop go on, from now on. */
  release(): void
}

export function hold(step = 1): Hold {
  const folder = tempDir('tc-hold-')
  const held = () => readdirSync(folder).filter((name) => name.startsWith('held-')).map((name) => Number(name.slice('held-'.length)))
  return {
    env: { TEACACHE_TEST_HOLD: `${step}:${folder}` },
    held,
    async reached(command, count = 1) {
      let ended = false
      let stderr = ''
      void Promise.resolve(command).then(
        (result) => ((ended = true), (stderr = String((result as { stderr?: unknown } | undefined)?.stderr ?? ''))),
        (error) => ((ended = true), (stderr = String(error))),
      )
      await until(() => held().length >= count || ended)
      if (held().length < count) throw new Error(`the command ended before ${count} Python(s) reached step ${step}: ${stderr.trim() || '(nothing on stderr)'}`)
      return held()
    },
    letGo: (pid) => rmSync(join(folder, `held-${pid}`), { force: true }),
    release: () => {
      if (!existsSync(join(folder, 'release'))) writeFileSync(join(folder, 'release'), '')
    },
  }
}
