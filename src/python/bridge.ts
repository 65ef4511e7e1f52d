/**
 * The bridge to the Python half: the only module that imports pythonia.
 *
 * pythonia starts Python the moment it is imported, reading PYTHON_BIN then, so it is imported
 * here, lazily, after the interpreter is known. Everything that crosses is a number, a string,
 * a path or a small record; tensors stay in Python.
 */
import type { ChildProcess } from 'node:child_process'
import { readFile, rm } from 'node:fs/promises'
import { TeacacheError } from '../errors.ts'
import { spaceCodeOfErrno, spaceError } from '../util/disk.ts'
import type { Engine, Versions } from './engine.ts'
import { withTeacachePython } from './interpreter.ts'
import type { StartDeadline } from './startup.ts'

interface Pythonia {
  python: ((module: string) => Promise<any>) & { exit(): void }
  com: { proc: ChildProcess | null; write(...args: unknown[]): void; writeRaw(...args: unknown[]): void }
}

/**
 * pythonia nulls its child on exit(), yet a callback Python sent just before (a step's decision,
 * a progress report) is still answered through it: the answer's TypeError rejects a promise nobody
 * holds and Node dies, before a stopped run can record itself as interrupted. With no Python left
 * there is nobody to answer: drop what would go to it.
 */
export function dropWritesAfterExit(com: Pythonia['com']): void {
  for (const name of ['write', 'writeRaw'] as const) {
    const original = com[name].bind(com)
    com[name] = (...args: unknown[]) => {
      if (com.proc === null || !com.proc.connected) return
      original(...args)
    }
  }
}

let started = false

/**
 * `deadline` bounds the start-up (import and session); `logFile` (null: none) receives Python's
 * own output; `onDied` is told when Python dies on its own (its log then explains why).
 */
export async function startEngine(options: { python: string; logFile: string | null; deadline?: StartDeadline; onDied?: () => void }): Promise<Engine> {
  if (started) throw new Error('the Python bridge can be started once per process')
  started = true
  process.env.PYTHON_BIN = options.python
  // pythonia gives up on a call without $timeout after REQ_TIMEOUT (100 s), the import included: a longer TEACACHE_START_TIMEOUT would end there, saying nothing of the wait.
  if (options.deadline) process.env.REQ_TIMEOUT = '0'
  process.env.PYTHONPATH = withTeacachePython()
  if (options.logFile) process.env.TEACACHE_PYTHON_LOG = options.logFile
  else delete process.env.TEACACHE_PYTHON_LOG
  const imported = (await import('pythonia')) as unknown as { default?: Pythonia } & Pythonia
  const pythonia: Pythonia = imported.default ?? imported
  const proc = pythonia.com.proc
  if (!proc || proc.pid === undefined) throw new TeacacheError('ENVIRONMENT', `could not start ${options.python}`)
  const pid = proc.pid
  dropWritesAfterExit(pythonia.com)

  let closing = false
  let exited = false
  // A crashed Python never answers a pending call: every call races against the process exit.
  const death = new Promise<never>((_, reject) => {
    proc.once('exit', (code, signal) => {
      exited = true
      if (closing) {
        reject(new TeacacheError('INTERRUPTED', 'stopped: the Python process was shut down while it was working'))
        return
      }
      options.onDied?.()
      const log = options.logFile ? `; see ${options.logFile}` : ''
      reject(new TeacacheError('PYTHON_DIED', `the Python process (pid ${pid}) exited unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`})${log}`))
    })
  })
  death.catch(() => {})
  // After Python is gone, pythonia's periodic proxy clean-up still writes to the closed channel;
  // the 'error' that raises on the child would otherwise crash Node. Death is handled above.
  proc.on('error', () => {})

  const call = async <T>(what: () => Promise<T>): Promise<T> => {
    try {
      return await Promise.race([what(), death])
    } catch (error) {
      throw translate(error)
    }
  }

  const stop = async () => {
    if (closing) return
    closing = true
    if (exited) return
    const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
    pythonia.python.exit()
    const timer = setTimeout(() => proc.kill('SIGKILL'), 3000)
    await gone
    clearTimeout(timer)
  }

  let session: any
  const bounded = <T>(work: Promise<T>, waitingFor: string) => (options.deadline ? options.deadline.race(work, waitingFor) : work)
  try {
    const module = await bounded(call(() => pythonia.python('teacache.bridge')), 'the import of teacache.bridge: torch, diffusers')
    session = await bounded(call(() => module.open_session()), 'its session to open')
  } catch (error) {
    await stop()
    // A start-up that ran out of time, or was stopped, says so itself.
    if (error instanceof TeacacheError && (error.code === 'ENVIRONMENT' || error.code === 'INTERRUPTED')) throw error
    const reason = error instanceof TeacacheError && error.code === 'PYTHON' ? error.message.replace(/^Python bridge error: /, '') : (error as Error).message
    throw new TeacacheError(
      'ENVIRONMENT',
      `${options.python} cannot run teacache's Python side (${reason}); run \`npm run setup:python\` or install requirements.txt into it`,
      { details: error instanceof TeacacheError ? error.details : undefined },
    )
  }

  // Every entry answers with JSON text (teacache.answers.entry): a value, or a failure as data.
  return {
    pid,
    versions: () => call(async () => unwrap<Versions>(await session.versions())),
    load: (o) => call(async () => unwrap(await session.load$({ ...o, $timeout: Infinity }))),
    encodePrompt: (prompt, negative_prompt, guidance_scale) =>
      call(async () => unwrap(await session.encode_prompt$({ prompt, negative_prompt, guidance_scale, $timeout: Infinity }))),
    warmup: (args, decide = null, on_step = null) => call(async () => unwrap(await session.warmup$({ ...args, decide, on_step, $timeout: Infinity }))),
    denoise: (args, decide, on_step) => call(async () => unwrap(await session.denoise$({ request: JSON.stringify(args), decide, on_step, $timeout: Infinity }))),
    checkMethod: (name, params, steps) => call(async () => unwrap(await session.check_method$({ name, params: JSON.stringify(params), steps, $timeout: Infinity }))),
    decode: (frames_dir) => call(async () => unwrap(await session.decode$({ frames_dir, $timeout: Infinity }), frames_dir ?? undefined)),
    indicatorTrace: (steps, guidance_scale) => call(async () => unwrap(await session.indicator_trace$({ steps, guidance_scale, $timeout: Infinity }))),
    bridgeRoundtrip: (callback, calls) => call(async () => unwrap(await session.bridge_roundtrip$({ callback, calls, $timeout: Infinity }))),
    memory: () => call(async () => unwrap(await session.memory())),
    lpips: (args) => call(async () => unwrap(await session.lpips$({ ...args, $timeout: Infinity }))),
    close: stop,
  }
}

/** A Python failure as teacache.answers.failure() describes it. */
export interface PythonFailure {
  kind: string
  message: string
  input: boolean
  out_of_memory: boolean
  /** OSError.errno (28: no space left on the device), when the failure was one. */
  errno: number | null
  /** The file holding the full traceback (read and deleted here); null when none could be written. */
  traceback_path: string | null
  /** The traceback itself, when no file could hold it. */
  traceback: string | null
}

type Answer<T> = { ok: true; value: T } | { ok: false; error: PythonFailure }

/** An entry's answer: its value, or its failure as a TeacacheError (`folder`: where the call wrote). */
export async function unwrap<T>(answer: string, folder?: string): Promise<T> {
  const parsed = JSON.parse(answer) as Answer<T>
  if (parsed.ok) return parsed.value
  throw failureError(parsed.error, await tracebackOf(parsed.error), folder)
}

async function tracebackOf(failure: PythonFailure): Promise<string> {
  if (failure.traceback_path === null) return failure.traceback ?? `${failure.kind}: ${failure.message}`
  try {
    return await readFile(failure.traceback_path, 'utf8')
  } catch {
    return failure.traceback ?? `${failure.kind}: ${failure.message}`
  } finally {
    // Only the error's details keep it: nothing is left in the log's folder.
    await rm(failure.traceback_path, { force: true })
  }
}

/** The TeacacheError for a Python failure: INPUT, DISK (a full disk where the call wrote), or PYTHON. */
export function failureError(failure: PythonFailure, traceback: string, folder?: string): TeacacheError {
  if (failure.input) return new TeacacheError('INPUT', failure.message, { details: traceback })
  const space = spaceCodeOfErrno(failure.errno)
  if (space) {
    const disk = spaceError(space, folder ?? 'the folder Python was writing')
    return new TeacacheError('DISK', disk.message, { details: traceback })
  }
  const hint = failure.out_of_memory
    ? ' (out of memory: turn on vae_tiling and vae_slicing, set cpu_offload: model or sequential, or lower frames/height/width)'
    : ''
  return new TeacacheError('PYTHON', `${failure.kind}: ${failure.message}${hint}`, { details: traceback })
}

const ANSI = /\x1b\[[0-9;]*m/g

/**
 * What did not come back as an answer (pythonia's own failures: an import that failed, a call it
 * gave up on) arrives as an Error with an empty message and an ANSI-coloured stack.
 */
export function translate(error: unknown): unknown {
  if (error instanceof TeacacheError || !(error instanceof Error)) return error
  const text = (error.stack ?? '').replace(ANSI, '')
  return new TeacacheError('PYTHON', `Python bridge error: ${lastLine(text) || error.message}`, { details: text })
}

/** The Python exception line, without pythonia's decoration ("*** JS ***" or an emoji marker). */
function lastLine(text: string): string {
  const line = text.split('\n').map((l) => l.trim()).filter(Boolean).pop() ?? ''
  return line.replace(/^(\*\*\* JS \*\*\*|\u{1F309})\s*/u, '')
}
