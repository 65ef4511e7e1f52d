import { describe, expect, it } from 'vitest'
import { formatDuration } from '../../src/sweep/eta.ts'
import { currentLine, SweepProgress, tallyLine, type Tally } from '../../src/sweep/progress.ts'
import { FakeLog, FakeTerminal } from '../helpers/screen.ts'

const tally = (over: Partial<Tally>): Tally => ({ total: 60, completed: 0, skipped: 0, failed: 0, interrupted: 0, ...over })

describe('tallyLine', () => {
  it.each([
    [tally({}), null, '0 of 60 runs done: 0 completed, 0 already done, 0 failed · sweep ETA estimating'],
    [tally({ completed: 10, skipped: 1, failed: 1 }), 860, '12 of 60 runs done: 10 completed, 1 already done, 1 failed · sweep ETA 14m 20s'],
    [tally({ completed: 3, interrupted: 1 }), 5400, '4 of 60 runs done: 3 completed, 0 already done, 0 failed, 1 interrupted · sweep ETA 1h 30m'],
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

/**
 * A fake runner: 60 runs of 10 steps (2 already done, one failing, the rest completing), with
 * ETAs that count down, driving the display the way src/sweep/runner.ts does.
 */
function fakeSweep(progress: SweepProgress, onStep: (run: number, step: number) => void = () => {}) {
  const ids = Array.from({ length: 60 }, (_, i) => `p${Math.floor(i / 4)}-s42/${i % 4 === 0 ? 'baseline' : `t0.${i % 4}`}`)
  progress.alreadyDone(`${ids[0]} (baseline, no cache)`)
  progress.alreadyDone(`${ids[1]} (TeaCache 0.1)`)
  for (let run = 2; run < 60; run++) {
    const description = `${ids[run]} (${run % 4 === 0 ? 'baseline, no cache' : `TeaCache 0.${run % 4}`})`
    const left = (60 - run) * 10
    progress.start(description, { run: 10, sweep: left })
    progress.phase('Encode prompt', { run: 10, sweep: left })
    progress.phase('Denoise (10 steps)', { run: 10, sweep: left })
    for (let index = 0; index < 10; index++) {
      progress.step({ index, total: 10, computed: index + 1, skipped: 0 }, { run: 10 - index - 1, sweep: left - index - 1 })
      onStep(run, index)
    }
    if (run === 7) progress.finish({ status: 'failed', description, message: 'RuntimeError: CUDA out of memory' }, left - 10)
    else progress.finish({ status: 'completed', id: ids[run], summary: '10/10 steps computed · denoise 1.00 s · decode 0.50 s' }, left - 10)
  }
  progress.close()
}

describe('SweepProgress on a 30-row terminal', () => {
  it('keeps the current run, its step and ETA, the tally and the sweep ETA on screen for all 60 runs', async () => {
    const term = new FakeTerminal(120, 30)
    const progress = new SweepProgress(60, { out: term, others: [] })
    const checked: number[] = []
    fakeSweep(progress, (run, step) => {
      if (step !== 4) return
      const screen = term.screen()
      expect(screen.at(-2)).toMatch(new RegExp(`^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] p\\d+-s42/\\S+ \\(.*\\) · step 5/10 · 5 computed · 0 skipped · ETA 5s`))
      const finished = run
      const failed = run > 7 ? 1 : 0
      expect(screen.at(-1)).toBe(`  ${finished} of 60 runs done: ${finished - 2 - failed} completed, 2 already done, ${failed} failed · sweep ETA ${formatDuration((60 - run) * 10 - 5)}`)
      checked.push(run)
    })
    expect(checked).toHaveLength(58)
    // Finished runs are counted, not listed: only the failure has a line of its own.
    expect(term.all()).toEqual(['✖ p1-s42/t0.3 (TeaCache 0.3): failed: RuntimeError: CUDA out of memory'])
  })

  it('an interrupted run is shown as interrupted, not as a failure', () => {
    const term = new FakeTerminal(120, 30)
    const progress = new SweepProgress(2, { out: term, others: [] })
    progress.start('p0-s42/baseline (baseline, no cache)', { run: null, sweep: null })
    progress.finish({ status: 'interrupted', description: 'p0-s42/baseline (baseline, no cache)', signal: 'SIGINT' }, null)
    progress.close()
    expect(term.all()).toEqual(['■ p0-s42/baseline (baseline, no cache): interrupted by SIGINT; recorded as interrupted, the same command redoes it'])
  })
})

describe('SweepProgress in a log', () => {
  it('prints a line per run started and finished, four per denoising loop, and the already-done runs', () => {
    const log = new FakeLog()
    fakeSweep(new SweepProgress(60, { out: log }))
    const lines = log.lines()
    expect(lines.slice(0, 2)).toEqual(['↓ p0-s42/baseline (baseline, no cache): already completed with these settings', '↓ p0-s42/t0.1 (TeaCache 0.1): already completed with these settings'])
    expect(lines.slice(2, 11)).toEqual([
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
    expect(lines.filter((l) => l.startsWith('✔'))).toHaveLength(57)
  })
})
