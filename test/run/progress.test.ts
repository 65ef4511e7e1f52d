import { describe, expect, it } from 'vitest'
import { TeacacheError } from '../../src/errors.ts'
import { runWithProgress, type Step } from '../../src/run/progress.ts'
import { FakeLog, FakeTerminal } from '../helpers/screen.ts'

/** Steps as run, plan and calibrate list them; the denoise step reports 20 steps. */
function steps(options: { fail?: 'error' | 'signal'; warn?: (text: string) => void; seen?: (screen: string[]) => void } = {}): Step[] {
  return [
    { title: 'Start Python', run: async () => {} },
    {
      title: 'Load tiny',
      // createRunContext's coefficients warning is written here, during loading.
      run: async () => options.warn?.('teacache: warning: fitted on another setting (steps 20 -> 6)\n'),
    },
    {
      title: 'Denoise (20 steps, TeaCache 0.2)',
      run: async (report) => {
        for (let index = 0; index < 20; index++) {
          report({ index, total: 20, computed: index + 1, skipped: 0 })
          if (index === 9) options.seen?.([])
          if (index === 10 && options.fail === 'error') throw new TeacacheError('PYTHON', 'RuntimeError: boom')
          if (index === 10 && options.fail === 'signal') throw new TeacacheError('PYTHON_DIED', 'the Python process was stopped')
        }
      },
    },
    { title: 'Encode video', run: async () => {} },
  ]
}

describe('runWithProgress in a log (no TTY)', () => {
  it('prints each step as it starts and ends, and denoising about ten times per loop', async () => {
    const log = new FakeLog()
    await runWithProgress(steps(), { out: log })
    expect(log.lines()).toEqual([
      '❯ Start Python', '✔ Start Python', '❯ Load tiny', '✔ Load tiny', '❯ Denoise (20 steps, TeaCache 0.2)',
      ...[2, 4, 6, 8, 10, 12, 14, 16, 18, 20].map((n) => `› step ${n}/20 · ${n} computed · 0 skipped`),
      '✔ Denoise (20 steps, TeaCache 0.2)', '❯ Encode video', '✔ Encode video',
    ])
  })

  it.each([
    ['error', '✖ Denoise (20 steps, TeaCache 0.2)', undefined],
    ['signal', '■ Denoise (20 steps, TeaCache 0.2): interrupted by SIGINT', 'SIGINT' as const],
  ] as const)('a step that fails by %s ends with "%s" and the error goes to the boundary', async (fail, last, signal) => {
    const log = new FakeLog()
    await expect(runWithProgress(steps({ fail }), { out: log, interrupted: () => signal })).rejects.toBeInstanceOf(TeacacheError)
    expect(log.lines().at(-1)).toBe(last)
    expect(log.written).not.toMatch(/FAILED|Encode video/)
  })

  it('quiet shows nothing', async () => {
    const log = new FakeLog()
    await runWithProgress(steps(), { out: log, quiet: true })
    expect(log.written).toBe('')
  })
})

describe('runWithProgress on a terminal', () => {
  it('keeps finished steps, redraws the current one with its progress, and shows a warning the moment it is written', async () => {
    const term = new FakeTerminal(100, 30)
    const stderr = { isTTY: true, write: (chunk: string) => term.write(chunk) }
    let during: string[] = []
    await runWithProgress(steps({ warn: (text) => void stderr.write(text), seen: () => (during = term.all()) }), { out: term, others: [stderr] })
    expect(during).toEqual([
      '✔ Start Python',
      'teacache: warning: fitted on another setting (steps 20 -> 6)',
      '✔ Load tiny',
      expect.stringMatching(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Denoise \(20 steps, TeaCache 0\.2\) · step 10\/20 · 10 computed · 0 skipped$/),
    ])
    expect(term.all()).toEqual(['✔ Start Python', 'teacache: warning: fitted on another setting (steps 20 -> 6)', '✔ Load tiny', '✔ Denoise (20 steps, TeaCache 0.2)', '✔ Encode video'])
  })

  it('an interrupted step reads as interrupted, and the terminal is left clean', async () => {
    const term = new FakeTerminal(100, 30)
    await expect(runWithProgress(steps({ fail: 'signal' }), { out: term, others: [], interrupted: () => 'SIGTERM' })).rejects.toThrow()
    expect(term.all()).toEqual(['✔ Start Python', '✔ Load tiny', '■ Denoise (20 steps, TeaCache 0.2): interrupted by SIGTERM'])
    expect(term.written.endsWith('\x1b[?25h')).toBe(true)
  })
})
