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

/** What a deadline reads the time from and sets its timers with: tests pass their own. */
export interface Clock {
  now(): number
  setTimeout(fire: () => void, ms: number): unknown
  clearTimeout(timer: unknown): void
}

const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fire, ms) => setTimeout(fire, ms),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
}

/**
 * The longest delay one Node timer takes (2^31-1 ms, about 24.8 days): a longer one fires after
 * 1 ms, with a TimeoutOverflowWarning.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * Calls `fire` once `clock.now()` reaches `end`, however far away: a deadline beyond one timer's
 * reach is waited for in steps of at most MAX_TIMER_MS. Returns the cancel function.
 */
export function fireAt(end: number, fire: () => void, clock: Clock = systemClock): () => void {
  let timer: unknown
  const wait = () => {
    timer = clock.setTimeout(check, Math.min(Math.max(0, end - clock.now()), MAX_TIMER_MS))
  }
  const check = () => (clock.now() >= end ? fire() : wait())
  wait()
  return () => clock.clearTimeout(timer)
}

/** One deadline for the whole start-up; `signal` (Ctrl-C, a dead parent) ends the wait at once. */
export function startDeadline(python: string, seconds: number, signal?: AbortSignal, clock: Clock = systemClock): StartDeadline {
  const end = clock.now() + seconds * 1000
  return {
    seconds,
    race<T>(work: Promise<T>, waitingFor: string): Promise<T> {
      let cancel: (() => void) | undefined
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
        cancel = fireAt(end, expire, clock)
        onAbort = () => reject(new TeacacheError('INTERRUPTED', `stopped while Python was starting (${waitingFor})`))
        if (signal?.aborted) onAbort()
        else signal?.addEventListener('abort', onAbort, { once: true })
      })
      return Promise.race([work, stopped]).finally(() => {
        cancel?.()
        if (onAbort) signal?.removeEventListener('abort', onAbort)
      })
    },
  }
}
