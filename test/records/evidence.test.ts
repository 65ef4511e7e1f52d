import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { judgeRecord, readEvidence } from '../../src/records/evidence.ts'
import { runSettings } from '../../src/records/settings.ts'
import { cutShort, readRecord, type RecordEdit } from '../fixtures/records.ts'
import { makeSweepFixture } from '../fixtures/sweep.ts'
import { tempDir } from '../helpers/temp.ts'

/** One verdict for every reader: whole and possible, and for a sweep's cell, made with the cell's settings. */
const dir = tempDir('tc-evidence-')
afterAll(() => rmSync(dir, { recursive: true, force: true }))
makeSweepFixture(dir, { grid: { prompts: ['a'], seeds: [1], thresholds: [0.5] }, run: () => ({ status: 'completed', denoise: 1, decode: 1, shift: 0, schedule: [true, false, true, true] }) })
const FILE = join(dir, 'p0-s1/t0.5/run.json')
const good = () => readRecord(FILE)
/** The settings the sweep makes this cell with: those the record was made with. */
const cell = () => runSettings(good().config)

describe('judgeRecord', () => {
  it('takes a sound record as evidence, for a plan (any settings) and for its own cell', () => {
    expect(judgeRecord(good(), null)).toEqual({ ok: true, record: good() })
    expect(judgeRecord(good(), cell())).toEqual({ ok: true, record: good() })
  })

  it.each<[string, RecordEdit, RegExp]>([
    ['fewer steps', (r) => (r.config.steps = 5), /^made with other settings \(this run -> the sweep\): steps: 4 -> 5$/],
    ['another guidance scale', (r) => (r.config.guidance_scale = 7.5), /guidance_scale: 6 -> 7\.5/],
    ['another prompt', (r) => (r.config.prompt = 'b'), /prompt: "a" -> "b"/],
    ['another threshold', (r) => (r.config.teacache.rel_l1_thresh = 0.6), /teacache\.rel_l1_thresh: 0\.5 -> 0\.6/],
    ['a method', (r) => (r.config.method = { name: 'fbc', params: { threshold: 0.05 } }), /method: \(unset\) -> \{"name":"fbc"/],
    ['many differences, the first three shown', (r) => Object.assign(r.config, { steps: 5, frames: 9, fps: 16, height: 32 }), /: fps: 8 -> 16; frames: 3 -> 9; height: 16 -> 32; and 1 more$/],
  ])('excludes a record when the sweep expects %s, saying what differs', (_, edit, reason) => {
    const expected = good()
    edit(expected)
    const verdict = judgeRecord(good(), runSettings(expected.config))
    expect(verdict).toMatchObject({ ok: false, status: 'excluded' })
    expect(!verdict.ok && verdict.reason).toMatch(reason)
  })

  it.each<[string, RecordEdit]>([
    ['another output folder', (r) => (r.config.output = '/elsewhere')],
    ['another device of the same kind', (r) => (r.config.device = 'cuda:1')],
    ['another config file', (r) => (r.config.config_path = '/x/other.yaml')],
    ['another thread count', (r) => (r.config.threads = 8)],
  ])('keeps a record when only %s differs: no setting of the run', (_, edit) => {
    const expected = good()
    edit(expected)
    expect(judgeRecord(good(), runSettings(expected.config))).toMatchObject({ ok: true })
  })

  it('refuses a record cut short before it compares settings, naming the field', () => {
    const record = good()
    cutShort(2)(record)
    expect(judgeRecord(record, cell())).toEqual({ ok: false, status: 'invalid', reason: expect.stringMatching(/^steps: expected 4 entries/) })
  })
})

describe('readEvidence', () => {
  const write = (name: string, text: string) => {
    mkdirSync(join(dir, name), { recursive: true })
    writeFileSync(join(dir, name, 'run.json'), text)
    return join(dir, name, 'run.json')
  }

  it.each([
    { what: 'no file', file: () => join(dir, 'nowhere/run.json'), status: 'absent', reason: /^does not exist$/ },
    { what: 'a folder where the file should be', file: () => (mkdirSync(join(dir, 'folder/run.json'), { recursive: true }), join(dir, 'folder/run.json')), status: 'unreadable', reason: /^cannot be read \(a folder, not a regular file\)/ },
    { what: 'a file that is not JSON', file: () => write('broken', '{ not json'), status: 'unreadable', reason: /^not JSON \(/ },
    { what: 'JSON of another shape', file: () => write('shape', '{"format": "teacache-run/1"}'), status: 'invalid', reason: /^status: / },
    { what: 'a config.steps its steps do not have', file: () => write('short', JSON.stringify({ ...good(), config: { ...good().config, steps: 5 } })), status: 'invalid', reason: /^steps: expected 5 entries/ },
    { what: 'a record of other settings', file: () => write('other', JSON.stringify({ ...good(), config: { ...good().config, guidance_scale: 2 } })), status: 'excluded', reason: /guidance_scale: 2 -> 6/ },
  ])('$what: $status', async ({ file, status, reason }) => {
    const verdict = await readEvidence(file(), cell())
    expect(verdict).toMatchObject({ ok: false, status })
    expect(!verdict.ok && verdict.reason).toMatch(reason)
  })

  it('reads a sound record of the cell as evidence', async () => {
    expect(await readEvidence(FILE, cell())).toEqual({ ok: true, record: good() })
  })
})
