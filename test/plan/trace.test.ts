import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { traceFromRun } from '../../src/plan/trace.ts'
import { tempDir } from '../helpers/cli.ts'
import { fixtureRun, TRACE, writeRun } from './fixtures.ts'

const TIMES = { computed: 1, skipped: 0.25, overhead: 0.5, decode: 2 }

describe('traceFromRun', () => {
  it('reads the distances, setting, coefficients and timings of a completed run', async () => {
    const dir = writeRun(join(tempDir('tc-trace-'), 'run'), fixtureRun(TRACE, 0.3, TIMES))
    const trace = await traceFromRun(dir)
    expect(trace.distances).toEqual(TRACE)
    expect(trace.setting).toMatchObject({ model: 'tiny', steps: TRACE.length })
    expect(trace.coefficients).toEqual({ coefficients: [0, 0, 0, 1, 0], source: 'config' })
    expect(trace.timings?.steps.filter((s) => !s.computed).map((s) => s.seconds)).toEqual(Array(6).fill(0.25))
    expect(trace.timings).toMatchObject({ denoise: 6 + 6 * 0.25 + 0.5, decode: 2, load: 1, warmup: 1 })
  })

  it('reads a baseline (TeaCache off) like any run: its distances, every step computed, no coefficients of its own', async () => {
    const record = fixtureRun(TRACE, 0, TIMES)
    const baseline = { ...record, teacache: { enabled: false, rel_l1_thresh: 0.3, coefficients: null, coefficients_source: null }, steps: record.steps.map((s) => ({ ...s, rescaled: null, accumulated: 0 })) }
    const trace = await traceFromRun(writeRun(join(tempDir('tc-trace-'), 'baseline'), baseline))
    expect(trace.distances).toEqual(TRACE)
    expect(trace.coefficients).toBeNull()
    expect(trace.timings?.steps.every((s) => s.computed)).toBe(true)
  })

  const broken: Array<[string, (r: ReturnType<typeof fixtureRun>) => unknown, RegExp]> = [
    ['a failed run', (r) => ({ ...r, status: 'failed' }), /the run is "failed"; a plan needs a completed run/],
    ['a baseline from before baselines recorded distances', (r) => ({ ...r, teacache: { ...r.teacache, enabled: false }, steps: r.steps.map((s) => ({ ...s, distance: null, computed: true })), computed_steps: r.steps.length, skipped_steps: 0 }),
      /the baseline recorded no indicator distances \(made by an older teacache, before baselines measured them\); run it again, or give a run with TeaCache on/],
    ['a missing distance', (r) => ({ ...r, steps: r.steps.map((s, i) => (i === 3 ? { ...s, distance: null } : s)) }), /each with an indicator distance but the first/],
    ['another format', (r) => ({ ...r, format: 'something/2' }), /not a teacache run record \(format: /],
    // The checks every reader shares (src/records): a plan from these would print impossible latencies.
    ['a run cut short, its totals made to agree', (r) => ({ ...r, steps: r.steps.slice(0, 4), computed_steps: r.steps.slice(0, 4).filter((s) => s.computed).length, skipped_steps: r.steps.slice(0, 4).filter((s) => !s.computed).length }),
      /not a teacache run record \(steps: expected 12 entries \(config\.steps\) in a completed run, found 4: the record was cut short\)/],
    ['negative seconds of denoising', (r) => ({ ...r, timings_s: { ...r.timings_s, denoise: -10 } }), /not a teacache run record \(timings_s\.denoise: expected seconds of 0 or more\)/],
    ['a step of negative seconds', (r) => ({ ...r, steps: r.steps.map((s, i) => (i === 2 ? { ...s, seconds: -1 } : s)) }), /not a teacache run record \(steps\[2\]\.seconds: expected seconds of 0 or more\)/],
    ['no time spent decoding', (r) => ({ ...r, timings_s: { ...r.timings_s, decode: 0 } }), /not a teacache run record \(timings_s\.decode: expected seconds above 0 in a completed run\)/],
    ['a timed repeat of 0 s', (r) => ({ ...r, repeats: [{ denoise: 0, decode: 0 }] }), /not a teacache run record \(repeats\[0\]\.denoise: expected seconds above 0/],
  ]
  it.each(broken)('rejects %s, naming the flag and file', async (_, change, message) => {
    const dir = writeRun(join(tempDir('tc-trace-'), 'run'), change(fixtureRun(TRACE, 0.3, TIMES)) as object)
    await expect(traceFromRun(dir)).rejects.toThrow(message)
    await expect(traceFromRun(dir)).rejects.toThrow(/^--from-run: .*run\.json: /)
  })

  it('rejects a folder without run.json and a file that is not JSON', async () => {
    const dir = tempDir('tc-trace-')
    await expect(traceFromRun(dir)).rejects.toThrow(/run\.json: does not exist; expected a run folder made by teacache run/)
    writeFileSync(join(dir, 'run.json'), '{not json')
    await expect(traceFromRun(dir)).rejects.toThrow(/run\.json: not JSON \(/)
  })

  it('keeps the trace but drops timings when step times are missing', async () => {
    const record = fixtureRun(TRACE, 0.3, TIMES)
    const dir = writeRun(join(tempDir('tc-trace-'), 'run'), { ...record, steps: record.steps.map((s) => ({ ...s, seconds: null })) })
    const trace = await traceFromRun(dir)
    expect(trace.timings).toBeNull()
    expect(trace.distances).toEqual(TRACE)
  })
})
