import { Listr, ListrLogger } from 'listr2'
import type { RunTask, StepProgress } from './execute.ts'

/** A unit of visible work: a title and a body that may report denoising progress. */
export type Step = RunTask

export function describeProgress(p: StepProgress): string {
  return `step ${p.index + 1}/${p.total} · ${p.computed} computed · ${p.skipped} skipped`
}

/**
 * Show steps as a listr2 task list. On a terminal the denoise line updates in place; in a log
 * (no TTY) progress is printed about ten times per loop so CI logs stay readable.
 */
export async function runWithProgress(steps: Step[], options: { quiet?: boolean } = {}): Promise<void> {
  const tty = Boolean(process.stdout.isTTY)
  const list = new Listr(
    steps.map((step) => ({
      title: step.title,
      task: async (_: unknown, task: { output: string }) => {
        await step.run((p) => {
          const every = tty ? 1 : Math.max(1, Math.ceil(p.total / 10))
          if ((p.index + 1) % every === 0 || p.index + 1 === p.total) task.output = describeProgress(p)
        })
      },
      rendererOptions: { persistentOutput: false, outputBar: 1 },
    })),
    {
      concurrent: false,
      // Signals belong to the command (src/run/signals.ts): listr2's own handler would exit 127.
      registerSignalListeners: false,
      exitOnError: true,
      renderer: options.quiet ? 'silent' : tty ? 'default' : 'simple',
      // The error boundary prints the message once, on stderr; progress stays on stdout.
      rendererOptions: tty ? { showErrorMessage: false } : { logger: new ListrLogger({ useIcons: true, toStderr: [] }) },
      collectErrors: false,
    },
  )
  await list.run()
}
