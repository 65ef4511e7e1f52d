import { TeacacheError } from '../errors.ts'
import { runWithProgress, type Step } from './progress.ts'
import { onShutdown, type Shutdown } from './signals.ts'

/** The error a command ends with once a signal stopped it; `detail` says what became of its output. */
export function interruptedError(shutdown: Shutdown, detail?: string): TeacacheError {
  return new TeacacheError('INTERRUPTED', `interrupted by ${shutdown.signal}${detail ? `; ${detail}` : ''}`, { exitCode: shutdown.exitCode })
}

/**
 * A signal that arrives while nothing can be stopped yet (Python still starting, or between two
 * steps) must still end the command: each step checks before it begins.
 */
export function guardSteps(steps: Step[], shutdown: Shutdown): Step[] {
  return steps.map((step) => ({
    ...step,
    run: async (...args: Parameters<Step['run']>) => {
      if (shutdown.signal) throw interruptedError(shutdown)
      await step.run(...args)
    },
  }))
}

export interface InterruptibleOptions {
  quiet?: boolean
  /** Stops the work in flight (closes Python, so its pending bridge call fails at once). */
  stop: () => Promise<void> | undefined
  /** What the user is told became of the output, e.g. "nothing written". */
  outcome: string
}

/**
 * The steps of a command that writes only once it has finished (plan, calibrate): Ctrl-C or
 * SIGTERM stops Python, shows the step as interrupted, and ends the command with 130/143 and one
 * line saying nothing was written, rather than Node dying with a half-shown progress list.
 * `steps` gets the signal that aborts a Python start-up still in progress.
 */
export async function runInterruptible(steps: (starting: AbortSignal) => Step[], options: InterruptibleOptions): Promise<void> {
  const starting = new AbortController()
  const shutdown = onShutdown(() => (starting.abort(), options.stop()))
  try {
    await runWithProgress(guardSteps(steps(starting.signal), shutdown), { quiet: options.quiet, interrupted: () => shutdown.signal })
  } catch (caught) {
    throw shutdown.signal ? interruptedError(shutdown, options.outcome) : caught
  } finally {
    shutdown.dispose()
  }
}
