/**
 * The one error type the CLI knows how to report. Every expected failure is a TeacacheError
 * with a code; the code decides the exit status at the single boundary in cli.ts.
 */
export type ErrorCode =
  | 'CONFIG' // the config or a flag is wrong: nothing was started, nothing written
  | 'INPUT' // a file named by the config is missing or unusable
  | 'OUTPUT' // the output folder exists or cannot be written
  | 'ENVIRONMENT' // Python, its packages or ffmpeg are missing or unsupported
  | 'PYTHON' // the model raised while running
  | 'PYTHON_DIED' // the Python process exited under us
  | 'FFMPEG'
  | 'INTERRUPTED'
  | 'DISK' // no space left (or a quota) where teacache writes

const EXIT_CODES: Record<ErrorCode, number> = {
  CONFIG: 2,
  INPUT: 2,
  OUTPUT: 2,
  ENVIRONMENT: 3,
  PYTHON: 1,
  PYTHON_DIED: 1,
  FFMPEG: 1,
  INTERRUPTED: 130,
  DISK: 1,
}

export class TeacacheError extends Error {
  readonly code: ErrorCode
  /** Longer text (a Python traceback) kept for the run folder, not for the terminal. */
  readonly details?: string
  exitCode: number

  constructor(code: ErrorCode, message: string, options: { details?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'TeacacheError'
    this.code = code
    this.details = options.details
    this.exitCode = options.exitCode ?? EXIT_CODES[code]
  }
}

export function isTeacacheError(error: unknown, code?: ErrorCode): error is TeacacheError {
  return error instanceof TeacacheError && (code === undefined || error.code === code)
}

/** A warning where no progress display takes it: one line on stderr, in the errors' voice. */
export const warnOnStderr = (message: string): void => void process.stderr.write(`teacache: warning: ${message}\n`)

/** A flag's value parsed by `parse`, whose error message becomes "--flag: message", exit 2. */
export function parseFlag<T>(flag: string, parse: () => T): T {
  try {
    return parse()
  } catch (error) {
    throw new TeacacheError('CONFIG', `${flag}: ${(error as Error).message}`)
  }
}
