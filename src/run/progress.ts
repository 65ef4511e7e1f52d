import { Listr, ListrDefaultRendererLogLevels, ListrLogger, ListrLogLevels, ProcessOutput } from 'listr2'
import type { StepProgress } from './execute.ts'

/**
 * Progress through listr2: on a terminal its default renderer redraws the task list in place; in
 * a log (no TTY) its simple renderer prints a line when a task starts and one when it ends. A
 * task stopped by a signal reads as interrupted (■), never as failed, and the tasks after it are
 * not shown; a warning a task meets is shown at once, under the task on a terminal.
 */

/** A unit of visible work: a title and a body that may report denoising progress and warn. */
export interface Step {
  title: string
  run(report: (progress: StepProgress) => void, warn: (message: string) => void): Promise<void>
}

/** What progress writes to: a stream, with the size of its terminal if it is one. */
export interface Sink {
  write(chunk: string): boolean
  isTTY?: boolean
  columns?: number
  rows?: number
}

/** Where progress goes: the process's stdout and stderr unless a test gives its own. */
export interface Display {
  out?: Sink
  err?: Sink
}

export interface ProgressOptions extends Display {
  quiet?: boolean
  /** The signal that is stopping the command, if any: the task it stops is shown as interrupted. */
  interrupted?: () => NodeJS.Signals | undefined
}

/** A line of a log at one of listr2's levels, or one saying a signal stopped the work. */
export type LogLevel = ListrLogLevels.STARTED | ListrLogLevels.COMPLETED | ListrLogLevels.FAILED | ListrLogLevels.SKIPPED | ListrLogLevels.OUTPUT | 'INTERRUPTED'

/** A task's own place in the list, as the work inside it sees it. */
export interface TaskLine {
  /** On a terminal (listr2's default renderer); false in a log or when quiet. */
  readonly live: boolean
  title(text: string): void
  /**
   * What a terminal shows under the title: `passing` (the current state) goes when the task ends,
   * `lasting` stays. Nothing in a log.
   */
  show(passing: string, lasting?: string[]): void
  /** A line of a log; nothing on a terminal or when quiet. */
  log(level: LogLevel, text: string): void
  warn(message: string): void
}

export interface ListedTask {
  title: string
  run(line: TaskLine): Promise<void>
}

const INTERRUPTED_ICON = '■'

export function describeProgress(p: StepProgress): string {
  return `step ${p.index + 1}/${p.total} · ${p.computed} computed · ${p.skipped} skipped`
}

/** Run steps one after another as a listr2 list; in a log, denoising shows about ten times per loop. */
export async function runWithProgress(steps: Step[], options: ProgressOptions = {}): Promise<void> {
  await runListed(
    steps.map((step) => ({
      title: step.title,
      run: (line) =>
        step.run((p) => {
          if (line.live) return line.show(describeProgress(p))
          const every = Math.max(1, Math.ceil(p.total / 10))
          if ((p.index + 1) % every === 0 || p.index + 1 === p.total) line.log(ListrLogLevels.OUTPUT, describeProgress(p))
        }, line.warn),
    })),
    options,
  )
}

/** Run tasks one after another as one listr2 list; the first failure ends it and is rethrown. */
export async function runListed(tasks: ListedTask[], options: ProgressOptions = {}): Promise<void> {
  const out = options.out ?? process.stdout
  const err = options.err ?? process.stderr
  const live = !options.quiet && Boolean(out.isTTY)
  const logged = !options.quiet && !live
  // One logger for listr2's renderer and our own log lines, writing where the display says.
  // (listr2 reads only write, isTTY, columns and rows of them.)
  const logger = new ListrLogger<string>({ useIcons: true, toStderr: [], processOutput: new ProcessOutput(out as NodeJS.WriteStream, err as NodeJS.WriteStream) })
  let stopped: unknown
  const list = new Listr(
    tasks.map((listed) => ({
      title: listed.title,
      // Once a signal stopped a task, the ones after it never start and are not shown.
      enabled: () => stopped === undefined,
      task: async (_: unknown, task: { title: string; output: string | undefined; skip(): void }) => {
        const state = { passing: '', lasting: [] as string[], warnings: [] as string[] }
        // Every change redraws the whole list: only real changes are passed on.
        const draw = () => {
          const output = [state.passing, ...state.warnings, ...state.lasting].filter(Boolean).join('\n')
          if (live && output !== (task.output ?? '')) task.output = output
        }
        const line: TaskLine = {
          live,
          title: (text) => {
            if (text !== task.title) task.title = text
          },
          show: (passing, lasting = state.lasting) => {
            Object.assign(state, { passing, lasting })
            draw()
          },
          log: (level, text) => {
            if (!logged) return
            if (level === 'INTERRUPTED') logger.toStdout(`${logger.icon(ListrLogLevels.SKIPPED, INTERRUPTED_ICON)} ${text}`)
            else logger.log(level, text)
          },
          warn: (message) => {
            const text = `teacache: warning: ${message}`
            // listr2 holds a terminal's stderr back until the list ends: on screen the warning is
            // the task's lasting output; stderr still gets it where it is a file or a pipe.
            if (live) {
              state.warnings.push(text)
              draw()
            }
            if (!live || !err.isTTY) err.write(`${text}\n`)
          },
        }
        try {
          await listed.run(line)
        } catch (error) {
          const signal = options.interrupted?.()
          if (!signal) throw error
          stopped = error
          task.title = `${task.title}: interrupted by ${signal}`
          line.log('INTERRUPTED', task.title)
          task.skip()
        } finally {
          state.passing = ''
          draw()
        }
      },
      rendererOptions: { outputBar: true, persistentOutput: true },
    })),
    {
      concurrent: false,
      // Signals belong to the command (src/run/signals.ts): listr2's own handler would exit 127.
      registerSignalListeners: false,
      exitOnError: true,
      collectErrors: false,
      renderer: options.quiet ? 'silent' : live ? 'default' : 'simple',
      fallbackRenderer: 'simple',
      // The error boundary prints the message once, on stderr; the list shows which task failed.
      rendererOptions: { logger, showErrorMessage: false, icon: { [ListrDefaultRendererLogLevels.SKIPPED_WITH_COLLAPSE]: INTERRUPTED_ICON } },
      fallbackRendererOptions: { logger },
    },
  )
  await list.run()
  if (stopped !== undefined) throw stopped
}
