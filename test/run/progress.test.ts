import { describe, expect, it } from 'vitest'
import { TeacacheError } from '../../src/errors.ts'
import { runWithProgress, type Step } from '../../src/run/progress.ts'
import { FakeLog, FakeTerminal, onTerminal } from '../helpers/screen.ts'

const WARNING = 'teacache.coefficients: fitted on another setting (steps 20 -> 6)'

/** Steps as run, plan and calibrate list them; the denoise step reports 20 steps. */
function steps(options: { fail?: 'error' | 'signal'; warn?: boolean; loading?: () => void; denoising?: () => void } = {}): Step[] {
  return [
    { title: 'Start Python', run: async () => {} },
    {
      title: 'Load tiny',
      // createRunContext's coefficients warning is given here, during loading.
      run: async (_report, warn) => {
        if (options.warn) warn(WARNING)
        options.loading?.()
      },
    },
    {
      title: 'Denoise (20 steps, TeaCache 0.2)',
      run: async (report) => {
        for (let index = 0; index < 20; index++) {
          report({ index, total: 20, computed: index + 1, skipped: 0 })
          if (index === 9) options.denoising?.()
          if (index === 10 && options.fail === 'error') throw new TeacacheError('PYTHON', 'RuntimeError: boom')
          if (index === 10 && options.fail === 'signal') throw new TeacacheError('PYTHON_DIED', 'the Python process was stopped')
        }
      },
    },
    { title: 'Encode video', run: async () => {} },
  ]
}

describe('runWithProgress in a log (no TTY): listr2\'s simple renderer', () => {
  it('prints each step as it starts and ends, and denoising about ten times per loop', async () => {
    const log = new FakeLog()
    await runWithProgress(steps(), { out: log, err: new FakeLog() })
    expect(log.lines()).toEqual([
      '❯ Start Python', '✔ Start Python', '❯ Load tiny', '✔ Load tiny', '❯ Denoise (20 steps, TeaCache 0.2)',
      ...[2, 4, 6, 8, 10, 12, 14, 16, 18, 20].map((n) => `› step ${n}/20 · ${n} computed · 0 skipped`),
      '✔ Denoise (20 steps, TeaCache 0.2)', '❯ Encode video', '✔ Encode video',
    ])
  })

  it('writes a warning to stderr the moment the step gives it', async () => {
    const transcript: string[] = []
    const out = new FakeLog((chunk) => transcript.push(chunk.trim()))
    const err = new FakeLog((chunk) => transcript.push(`stderr: ${chunk.trim()}`))
    await runWithProgress(steps({ warn: true }), { out, err })
    expect(transcript.slice(2, 5)).toEqual(['❯ Load tiny', `stderr: teacache: warning: ${WARNING}`, '✔ Load tiny'])
    expect(out.written).not.toContain('warning')
  })

  it.each([
    ['error', '✖ Denoise (20 steps, TeaCache 0.2) [FAILED: RuntimeError: boom]', undefined],
    ['signal', '■ Denoise (20 steps, TeaCache 0.2): interrupted by SIGINT', 'SIGINT' as const],
  ] as const)('a step that fails by %s ends with "%s", nothing after it, and the error goes to the boundary', async (fail, last, signal) => {
    const log = new FakeLog()
    const error = await runWithProgress(steps({ fail }), { out: log, err: new FakeLog(), interrupted: () => signal }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: fail === 'error' ? 'PYTHON' : 'PYTHON_DIED' })
    expect(log.lines().at(-1)).toBe(last)
    expect(log.written).not.toContain('Encode video')
    if (signal) expect(log.written).not.toMatch(/FAILED|SKIPPED|✖/)
  })

  it('quiet shows nothing, but a warning still reaches stderr', async () => {
    const [out, err] = [new FakeLog(), new FakeLog()]
    await runWithProgress(steps({ warn: true }), { out, err, quiet: true })
    expect(out.written).toBe('')
    expect(err.written).toBe(`teacache: warning: ${WARNING}\n`)
  })
})

describe('runWithProgress on a terminal: listr2\'s default renderer', () => {
  it('redraws the current step with its progress, and shows a warning under its step before the work goes on', async () => {
    const term = new FakeTerminal(100, 30)
    const seen: Record<string, string[]> = {}
    await onTerminal(term, () =>
      runWithProgress(steps({ warn: true, loading: () => (seen.loading = term.screen()), denoising: () => (seen.denoising = term.screen()) }), { out: term, err: term }),
    )
    expect(seen.loading).toEqual([
      '✔ Start Python',
      expect.stringMatching(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Load tiny$/),
      `  › teacache: warning: ${WARNING}`,
      '◼ Denoise (20 steps, TeaCache 0.2)',
      '◼ Encode video',
    ])
    expect(seen.denoising).toEqual([
      '✔ Start Python',
      '✔ Load tiny',
      `  › teacache: warning: ${WARNING}`,
      expect.stringMatching(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Denoise \(20 steps, TeaCache 0\.2\)$/),
      '  › step 10/20 · 10 computed · 0 skipped',
      '◼ Encode video',
    ])
    // The progress line goes with its step; the warning stays, and is not printed again at the end.
    expect(term.all()).toEqual(['✔ Start Python', '✔ Load tiny', `  › teacache: warning: ${WARNING}`, '✔ Denoise (20 steps, TeaCache 0.2)', '✔ Encode video'])
  })

  it('a warning also goes to stderr when stderr is not the terminal (2> file)', async () => {
    const term = new FakeTerminal(100, 30)
    const err = new FakeLog()
    await onTerminal(term, () => runWithProgress(steps({ warn: true }), { out: term, err }))
    expect(term.all()).toContain(`  › teacache: warning: ${WARNING}`)
    expect(err.written).toBe(`teacache: warning: ${WARNING}\n`)
  })

  it.each([
    ['signal', ['✔ Start Python', '✔ Load tiny', '■ Denoise (20 steps, TeaCache 0.2): interrupted by SIGTERM']],
    ['error', ['✔ Start Python', '✔ Load tiny', '✖ Denoise (20 steps, TeaCache 0.2)', '◼ Encode video']],
  ] as const)('a step stopped by %s is shown as such, and the cursor is given back', async (fail, screen) => {
    const term = new FakeTerminal(100, 30)
    const signal = fail === 'signal' ? ('SIGTERM' as const) : undefined
    await expect(onTerminal(term, () => runWithProgress(steps({ fail }), { out: term, err: term, interrupted: () => signal }))).rejects.toBeInstanceOf(TeacacheError)
    expect(term.all()).toEqual(screen)
    expect(term.written.endsWith('\x1b[?25h')).toBe(true)
  })
})
