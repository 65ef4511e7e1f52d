import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { judgeRecord } from '../../src/records/evidence.ts'
import { firstIssue, isStepRow, isWorkRow, runRecordSchema, stepSchema, workSchema } from '../../src/records/schema.ts'
import { cutShort, readRecord, timedAt, type RecordEdit } from '../fixtures/records.ts'
import { makeSweepFixture } from '../fixtures/sweep.ts'
import { tempDir } from '../helpers/temp.ts'

/** run.json read back: the fields readers use are checked, a completed record must be whole and its times possible. */
const dir = tempDir('tc-schema-')
afterAll(() => rmSync(dir, { recursive: true, force: true }))
makeSweepFixture(dir, { grid: { prompts: ['a'], seeds: [1], thresholds: [0.5] }, run: () => ({ status: 'completed', denoise: 1, decode: 1, shift: 0, schedule: [true, false, true, true] }) })
const good = () => readRecord(join(dir, 'p0-s1/t0.5/run.json'))
const failed = (r: Record<string, any>) => Object.assign(r, { status: 'failed', error: { code: 'PYTHON', message: 'RuntimeError' } })

const problemOf = (record: unknown) => {
  const parsed = runRecordSchema.safeParse(record)
  return parsed.success ? null : firstIssue(parsed.error)
}

describe('run.json: what is accepted', () => {
  it('a record teacache wrote, every key kept, newer optional fields included (rounds, timing sessions)', () => {
    const record = good()
    Object.assign(record, {
      repeats: [{ denoise: 1, decode: 0.5, session: 'h:1', round: 1 }, { denoise: 1.1, decode: 0.5, session: 'h:1', round: 2, later: true }],
      timing: { sessions: [{ id: 'h:1', rounds: 2, stop: 'settled' }] },
      worker: { host: 'h', device: 'cuda:1', device_index: 1, device_name: 'H100', pid: 7 },
      future_field: { x: 1 },
    })
    Object.assign(record.timings_s, { warmup: 2, compile: 0, vae: 0.4, write_frames: 0.1 })
    record.config.some_new_setting = 3
    expect(runRecordSchema.safeParse(record).success).toBe(true)
    // What readers get is the record as read, not the schema's copy of the fields it checks.
    const judged = judgeRecord(structuredClone(record), null)
    expect(judged.ok && judged.record).toEqual(record)
  })

  it.each<[string, RecordEdit]>([
    ['a failed run cut short, with no time spent denoising or decoding', (r) => (failed(r), cutShort(1)(r), (r.timings_s.denoise = 0), (r.timings_s.decode = 0))],
    ['an interrupted run with no steps', (r) => ((r.status = 'interrupted'), cutShort(0)(r))],
    ['steps without times (records from before they were measured)', (r) => r.steps.forEach((s: any) => (s.seconds = null))],
    ['a skipped step timed at 0 s (rounded)', (r) => (r.steps[1].seconds = 0)],
    ['a later run of a process: no load, no prompt encode, no warm-up', (r) => Object.assign(r.timings_s, { load: 0, encode_prompt: 0, warmup: 0 })],
  ])('%s', (_, edit) => {
    const record = good()
    edit(record)
    expect(problemOf(record)).toBeNull()
  })
})

describe('run.json: what is refused, naming the field', () => {
  it.each<[string, RecordEdit, RegExp]>([
    // Shape
    ['a wrong format', (r) => (r.format = 'other/1'), /^format: expected "teacache-run\/1"/],
    ['an unknown status', (r) => (r.status = 'done'), /^status: expected "completed", "failed" or "interrupted"/],
    ['timings of the wrong type', (r) => (r.timings_s.denoise = '3'), /^timings_s\.denoise: expected seconds/],
    ['steps that are not a list', (r) => (r.steps = {}), /^steps: expected a list of steps/],
    ['a step without its decision', (r) => delete r.steps[1].computed, /^steps\[1\]\.computed: expected true or false/],
    ['counts that disagree with the steps', (r) => (r.computed_steps = 4), /^computed_steps: expected 3 \(the computed entries of steps\)/],
    ['steps out of order', (r) => (r.steps[2].index = 5), /^steps\[2\]\.index: expected 2/],
    ['an optional field of the wrong shape', (r) => (r.repeats = [{ denoise: 'fast' }]), /^repeats\[0\]\.denoise: expected seconds/],
    ['a model version teacache does not know', (r) => (r.model.version = '2.0'), /^model\.version: expected "1\.5" or "1\.0"/],
    ['no config', (r) => delete r.config, /^config: /],
    ['work counts of the wrong shape', (r) => (r.compute = { layers: 2, input_rows: 2, block_calls: 2, block_rows: 'many', attention_rows: 2, feedforward_rows: 2, steps: [] }), /^compute\.block_rows: /],
    ['a round that is no round', (r) => (r.repeats = [{ denoise: 1, decode: 1, round: 0 }]), /^repeats\[0\]\.round: expected a round of 1 or more/],
    ['a session that is no text', (r) => (r.repeats = [{ denoise: 1, decode: 1, session: 3 }]), /^repeats\[0\]\.session: expected a text/],
    ['timing sessions that are not an object', (r) => (r.timing = 'fast'), /^timing: expected an object/],
    ['timing without its sessions', (r) => (r.timing = {}), /^timing\.sessions: expected a list of timing sessions/],
    ['a timing session without its id', (r) => (r.timing = { sessions: [{ rounds: 2 }] }), /^timing\.sessions\[0\]\.id: expected a text/],
    // A record cut short
    ['a completed run cut to 2 of its 4 steps, its totals made to agree', cutShort(2), /^steps: expected 4 entries \(config\.steps\) in a completed run, found 2: the record was cut short/],
    ['a completed run with a step too many', (r) => (r.config.steps = 3), /^steps: expected 3 entries \(config\.steps\) in a completed run, found 4/],
    // Impossible timings
    ['negative seconds', (r) => (r.timings_s.decode = -1), /^timings_s\.decode: expected seconds of 0 or more/],
    ['a completed run that took no time to denoise', (r) => (r.timings_s.denoise = 0), /^timings_s\.denoise: expected seconds above 0 in a completed run/],
    ['a completed run that took no time to decode', (r) => (r.timings_s.decode = 0), /^timings_s\.decode: expected seconds above 0 in a completed run/],
    ['a timed repeat of 0 s', timedAt(0), /^repeats\[0\]\.denoise: expected seconds above 0 \(a timed generation takes time\)/],
    ['a timed repeat of negative seconds', (r) => (r.repeats = [{ denoise: 1, decode: -0.5 }]), /^repeats\[0\]\.decode: expected seconds above 0/],
    ['a step of negative seconds', (r) => (r.steps[2].seconds = -10), /^steps\[2\]\.seconds: expected seconds of 0 or more/],
    ['an infinite time (1e400 in the file)', (r) => (r.timings_s.total = Infinity), /^timings_s\.total: expected seconds \(a number\)/],
    ['a time that is not a number (NaN)', (r) => (r.timings_s.load = Number.NaN), /^timings_s\.load: expected seconds \(a number\)/],
  ])('%s', (_, edit, problem) => {
    const record = good()
    edit(record)
    expect(problemOf(record)).toMatch(problem)
  })

  it('reads 1e400 in the file as Infinity, which is refused', () => {
    const text = JSON.stringify(good()).replace(/"denoise":1(?=[,}])/, '"denoise":1e400')
    expect(text).toContain('1e400')
    expect(problemOf(JSON.parse(text))).toMatch(/^timings_s\.denoise: expected seconds \(a number\)/)
  })
})

describe('run.json: the fast check of per-step rows agrees with the schema', () => {
  // The loop passes a row only when zod would; anything else goes to zod for its message.
  const values = [0, 1, 2.5, -1, -0.5, Number.NaN, Number.POSITIVE_INFINITY, 1e308, '1', null, undefined, true, false, {}, []]
  const variants = <T extends Record<string, unknown>>(good: T) =>
    Object.keys(good).flatMap((key) => values.map((v) => [`${key} = ${String(v)}`, { ...good, [key]: v }] as const))

  const step = { index: 3, computed: false, timestep: 999, distance: 0.01, seconds: 0.2 }
  it.each([['a good step', step] as const, ...variants(step)])('step row: %s', (_, row) => {
    expect(isStepRow(row)).toBe(stepSchema.safeParse(row).success)
  })

  const work = { input_rows: 2, block_calls: 4, block_rows: 8, attention_rows: 8, feedforward_rows: 8 }
  it.each([['a good row', work] as const, ...variants(work)])('work row: %s', (_, row) => {
    expect(isWorkRow(row)).toBe(workSchema.safeParse(row).success)
  })

  it('a bad row deep in a long list is found and named as zod names it', () => {
    const record = good()
    record.steps = Array.from({ length: 4 }, (_, i) => ({ ...record.steps[i] }))
    record.steps[3].timestep = 'late'
    expect(problemOf(record)).toMatch(/^steps\[3\]\.timestep: expected a number/)
  })
})
