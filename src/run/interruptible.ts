import { TeacacheError } from '../errors.ts'
import type { Step } from './progress.ts'
import type { Shutdown } from './signals.ts'

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
