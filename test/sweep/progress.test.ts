import { describe, expect, it } from 'vitest'
import { runListed, type ProgressOptions } from '../../src/run/progress.ts'
import { formatDuration } from '../../src/sweep/eta.ts'
import { currentLine, LISTED, SweepProgress, tallyLine, type Tally } from '../../src/sweep/progress.ts'
import { FakeLog, FakeTerminal, onTerminal } from '../helpers/screen.ts'

const tally = (over: Partial<Tally>): Tally => ({ total: 60, completed: 0, skipped: 0, failed: 0, ...over })
const SPIN = '[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]'

describe('tallyLine', () => {
  it.each([
    [tally({}), null, '0 of 60 runs done: 0 completed, 0 already done, 0 failed · sweep ETA estimating'],
    [tally({ completed: 10, skipped: 1, failed: 1 }), 860, '12 of 60 runs done: 10 completed, 1 already done, 1 failed · sweep ETA 14m 20s'],
    [tally({ completed: 58, skipped: 2 }), undefined, '60 of 60 runs done: 58 completed, 2 already done, 0 failed'],
  ])('%j, ETA %j', (t, eta, line) => {
    expect(tallyLine(t, eta)).toBe(line)
  })
})

describe('currentLine', () => {
  it.each([
    [{ description: 'p0-s42/baseline (baseline, no cache)', phase: 'Encode prompt', step: null, eta: { run: null, sweep: null } }, 'p0-s42/baseline (baseline, no cache) · Encode prompt · ETA estimating'],
    [
      { description: 'p3-s42/t0.2 (TeaCache 0.2)', phase: 'Denoise', step: { index: 16, total: 50, computed: 12, skipped: 5 }, eta: { run: 70, sweep: 900 } },
      'p3-s42/t0.2 (TeaCache 0.2) · step 17/50 · 12 computed · 5 skipped · ETA 1m 10s',
    ],
  ])('%j', (current, line) => {
    expect(currentLine(current)).toBe(line)
  })
})

const ids = Array.from({ length: 60 }, (_, i) => `p${Math.floor(i / 4)}-s42/${i % 4 === 0 ? 'baseline' : `t0.${i % 4}`}`)
const describeRun = (run: number) => `${ids[run]} (${run % 4 === 0 ? 'baseline, no cache' : `TeaCache 0.${run % 4}`})`

/**
 * A fake runner: 60 runs of `steps` steps (2 already done, those in `failing` failing, the rest
 * completing), with ETAs that count down, driving the display the way src/sweep/runner.ts does:
 * one listr2 task whose line is the sweep's.
 */
async function fakeSweep(display: ProgressOptions, options: { steps?: number; failing?: number[]; onStep?: (run: number, step: number) => void } = {}) {
  const steps = options.steps ?? 10
  await runListed(
    [
      { title: 'Start Python', run: async () => {} },
      {
        title: '60 runs: 58 to run, 2 already done',
        run: async (line) => {
          const progress = new SweepProgress(60, line)
          progress.alreadyDone(describeRun(0))
          progress.alreadyDone(describeRun(1))
          for (let run = 2; run < 60; run++) {
            const left = (60 - run) * steps
            progress.start(describeRun(run), { run: steps, sweep: left })
            progress.phase('Encode prompt', { run: steps, sweep: left })
            progress.phase(`Denoise (${steps} steps)`, { run: steps, sweep: left })
            for (let index = 0; index < steps; index++) {
              progress.step({ index, total: steps, computed: index + 1, skipped: 0 }, { run: steps - index - 1, sweep: left - index - 1 })
              options.onStep?.(run, index)
            }
            if (options.failing?.includes(run)) progress.finish({ status: 'failed', description: describeRun(run), message: 'RuntimeError: CUDA out of memory' }, left - steps)
            else progress.finish({ status: 'completed', id: ids[run], summary: `${steps}/${steps} steps computed · denoise 1.00 s · decode 0.50 s` }, left - steps)
          }
          progress.close()
        },
      },
    ],
    display,
  )
}

describe('a sweep of 60 runs on a 30-row terminal (listr2\'s default renderer)', () => {
  it('keeps the tally with the sweep ETA, the current run with its step and ETA, and the failures on screen; nothing scrolls off', async () => {
    const term = new FakeTerminal(120, 30)
    const checked: number[] = []
    let tallest = 0
    const failed = '  p1-s42/t0.3 (TeaCache 0.3): failed: RuntimeError: CUDA out of memory'
    await onTerminal(term, () =>
      fakeSweep({ out: term, err: term }, {
        steps: 2,
        failing: [7],
        onStep: (run, step) => {
          tallest = Math.max(tallest, term.all().length)
          if (step !== 0) return
          const failures = run > 7 ? 1 : 0
          expect(term.screen()).toEqual([
            '✔ Start Python',
            expect.stringMatching(new RegExp(`^${SPIN} ${run} of 60 runs done: ${run - 2 - failures} completed, 2 already done, ${failures} failed · sweep ETA ${formatDuration((60 - run) * 2 - 1)}$`)),
            `  › ${describeRun(run)} · step 1/2 · 1 computed · 0 skipped · ETA 1s`,
            ...(failures ? [`  ${failed}`] : []),
          ])
          checked.push(run)
        },
      }),
    )
    expect(checked).toHaveLength(58)
    // Everything ever on the terminal fits on it: the list never grew past the screen.
    expect(tallest).toBeLessThanOrEqual(4)
    expect(term.all()).toEqual(['✔ Start Python', '✔ 60 of 60 runs done: 57 completed, 2 already done, 1 failed', `  ›${failed.slice(1)}`])
  })

  it(`lists the latest ${LISTED} failed or interrupted runs and counts the earlier ones`, async () => {
    const term = new FakeTerminal(120, 30)
    const failing = [0, 1, 2, 3, 4, 5, 6]
    await onTerminal(term, () =>
      runListed(
        [{
          title: '8 runs',
          run: async (line) => {
            const progress = new SweepProgress(8, line)
            for (const run of [...failing, 7]) {
              progress.start(describeRun(run), { run: null, sweep: null })
              if (run === 7) progress.finish({ status: 'completed', id: ids[run], summary: 'fine' }, 0)
              else progress.finish({ status: 'failed', description: describeRun(run), message: 'RuntimeError: CUDA out of memory\nat line 3' }, null)
            }
            progress.close()
          },
        }],
        { out: term, err: term },
      ),
    )
    expect(term.all()).toEqual([
      '✔ 8 of 8 runs done: 1 completed, 0 already done, 7 failed',
      '  › 2 earlier run(s) failed too; REPORT.md lists every run',
      // The first line of each error: the whole of it is in the run's run.json and error.txt.
      ...failing.slice(2).map((run) => `    ${describeRun(run)}: failed: RuntimeError: CUDA out of memory`),
    ])
  })

  it('an interrupted run is shown as interrupted, and so is the sweep, not as failures', async () => {
    const term = new FakeTerminal(120, 30)
    const signal = { value: undefined as NodeJS.Signals | undefined }
    const description = 'p0-s42/baseline (baseline, no cache)'
    const run = () => runListed(
      [{
        title: '2 runs: 2 to run, 0 already done',
        run: async (line) => {
          const progress = new SweepProgress(2, line)
          progress.start(description, { run: null, sweep: null })
          signal.value = 'SIGINT'
          progress.finish({ status: 'interrupted', description, signal: 'SIGINT' }, null)
          progress.close()
          throw new Error('interrupted by SIGINT')
        },
      }],
      { out: term, err: term, interrupted: () => signal.value },
    )
    await expect(onTerminal(term, run)).rejects.toThrow('interrupted by SIGINT')
    expect(term.all()).toEqual([
      '■ 0 of 2 runs done: 0 completed, 0 already done, 0 failed: interrupted by SIGINT',
      // listr2 marks the output of a skipped task with the skip icon, here the interrupted one.
      `  ■ ${description}: interrupted by SIGINT; recorded as interrupted, the same command redoes it`,
    ])
  })
})

describe('a sweep in a log (listr2\'s simple renderer)', () => {
  it('prints a line per run started and finished, four per denoising loop, and the already-done runs', async () => {
    const log = new FakeLog()
    await fakeSweep({ out: log, err: new FakeLog() }, { failing: [7] })
    const lines = log.lines()
    expect(lines.slice(0, 5)).toEqual([
      '❯ Start Python',
      '✔ Start Python',
      '❯ 60 runs: 58 to run, 2 already done',
      '↓ p0-s42/baseline (baseline, no cache): already completed with these settings',
      '↓ p0-s42/t0.1 (TeaCache 0.1): already completed with these settings',
    ])
    expect(lines.slice(5, 14)).toEqual([
      '❯ p0-s42/t0.2 (TeaCache 0.2) · run 3 of 60',
      '› Encode prompt · ETA 10s · sweep ETA 9m 40s',
      '› Denoise (10 steps) · ETA 10s · sweep ETA 9m 40s',
      '› step 3/10 · 3 computed · 0 skipped · ETA 7s · sweep ETA 9m 37s',
      '› step 6/10 · 6 computed · 0 skipped · ETA 4s · sweep ETA 9m 34s',
      '› step 9/10 · 9 computed · 0 skipped · ETA 1s · sweep ETA 9m 31s',
      '✔ p0-s42/t0.2 · 10/10 steps computed · denoise 1.00 s · decode 0.50 s · 3 of 60 runs done · sweep ETA 9m 30s',
      '❯ p0-s42/t0.3 (TeaCache 0.3) · run 4 of 60',
      '› Encode prompt · ETA 10s · sweep ETA 9m 30s',
    ])
    expect(lines).toContain('✖ p1-s42/t0.3 (TeaCache 0.3): failed: RuntimeError: CUDA out of memory')
    expect(lines.filter((l) => l.startsWith('✔ p'))).toHaveLength(57)
    expect(lines.at(-1)).toBe('✔ 60 of 60 runs done: 57 completed, 2 already done, 1 failed')
  })
})
