import { TeacacheError } from '../errors.ts'

/**
 * How long Python may take to start: the import of teacache.bridge (torch and diffusers, slow
 * from a cold disk or a network filesystem), the session, and the version check. An interpreter
 * that passes the version probe and then hangs would otherwise cost pythonia's own timeouts and
 * end in a message that says nothing about Python.
 */
export const START_TIMEOUT_ENV = 'TEACACHE_START_TIMEOUT'
export const DEFAULT_START_TIMEOUT_S = 120

export function startTimeoutSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[START_TIMEOUT_ENV]
  if (raw === undefined || raw.trim() === '') return DEFAULT_START_TIMEOUT_S
  const seconds = Number(raw)
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new TeacacheError('CONFIG', `${START_TIMEOUT_ENV}: expected seconds to wait for Python to start (a number above 0), got "${raw}"`)
  }
  return seconds
}

export interface StartDeadline {
  readonly seconds: number
  /** `work`, or an ENVIRONMENT error naming the interpreter and `waitingFor` once the deadline passes. */
  race<T>(work: Promise<T>, waitingFor: string): Promise<T>
}

/** One deadline for the whole start-up; `signal` (Ctrl-C, a dead parent) ends the wait at once. */
export function startDeadline(python: string, seconds: number, signal?: AbortSignal, now = Date.now): StartDeadline {
  const end = now() + seconds * 1000
  return {
    seconds,
    race<T>(work: Promise<T>, waitingFor: string): Promise<T> {
      let timer: NodeJS.Timeout | undefined
      let onAbort: (() => void) | undefined
      const stopped = new Promise<never>((_, reject) => {
        const expire = () =>
          reject(
            new TeacacheError(
              'ENVIRONMENT',
              `${python} did not finish starting within ${seconds} s (still waiting for ${waitingFor}); ` +
                `if it is only slow (torch from a cold disk), set ${START_TIMEOUT_ENV}=<seconds> to wait longer`,
            ),
          )
        timer = setTimeout(expire, Math.max(0, end - now()))
        onAbort = () => reject(new TeacacheError('INTERRUPTED', `stopped while Python was starting (${waitingFor})`))
        if (signal?.aborted) onAbort()
        else signal?.addEventListener('abort', onAbort, { once: true })
      })
      return Promise.race([work, stopped]).finally(() => {
        clearTimeout(timer)
        if (onAbort) signal?.removeEventListener('abort', onAbort)
      })
    },
  }
}
