import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { fingerprint, runSettings } from '../../src/sweep/settings.ts'
import { completedMeanwhile, planRun, readRunFolder, type RunFolder } from '../../src/sweep/state.ts'
import { makeSweepFixture, type FixtureRun } from '../fixtures/sweep.ts'

describe('run folder state', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tc-state-'))
  const statuses: Record<string, FixtureRun['status']> = { 'p0-s1/baseline': 'completed', 'p0-s1/t0.1': 'failed', 'p0-s1/t0.2': 'interrupted', 'p1-s1/baseline': 'incomplete', 'p1-s1/t0.1': 'missing' }
  makeSweepFixture(dir, {
    grid: { prompts: ['a', 'b'], seeds: [1], thresholds: [0.1, 0.2] },
    run: (spec) => ({ status: statuses[spec.id] ?? 'completed', denoise: 1, decode: 1, shift: 0, schedule: [true, true, true, true] }),
  })
  mkdirSync(join(dir, 'broken'))
  writeFileSync(join(dir, 'broken', 'run.json'), '{ not json')

  it.each([...Object.entries(statuses), ['broken', 'unreadable']])('%s is %s', async (id, status) => {
    expect((await readRunFolder(join(dir, id))).status).toBe(status)
  })

  it('skips a completed run only when its settings fingerprint matches', async () => {
    const done = await readRunFolder(join(dir, 'p0-s1/baseline'))
    const same = fingerprint(runSettings(JSON.parse(readFileSync(join(dir, 'p0-s1/baseline/run.json'), 'utf8')).config))
    expect(planRun(done, same, false)).toEqual({ action: 'skip' })
    expect(planRun(done, 'another', false)).toEqual({ action: 'run', reason: 'settings changed' })
    expect(planRun(done, same, true)).toEqual({ action: 'run', reason: 'forced' })
  })

  it.each([
    { status: 'failed', reason: 'previously failed' },
    { status: 'interrupted', reason: 'previously interrupted' },
    { status: 'incomplete', reason: 'previously incomplete' },
    { status: 'missing', reason: 'new' },
    { status: 'unreadable', reason: 'run.json unreadable (bad)' },
  ])('redoes a $status run ($reason)', ({ status, reason }) => {
    const folder = { status, record: null, problem: 'bad' } as RunFolder
    expect(planRun(folder, 'f', false)).toEqual({ action: 'run', reason })
  })
})

describe('a run completed meanwhile by another process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tc-state-'))
  makeSweepFixture(dir, { grid: { prompts: ['a'], seeds: [1], thresholds: [0.1] }, run: () => ({ status: 'completed', denoise: 1, decode: 1, shift: 0, schedule: [true, true, true, true] }) })
  const id = 'p0-s1/baseline'
  const same = () => fingerprint(runSettings(JSON.parse(readFileSync(join(dir, id, 'run.json'), 'utf8')).config))

  it.each([
    { what: 'without --force: any completed run of these settings', since: null, expected: true },
    { what: 'with --force: one finished after this command started', since: new Date('2024-12-31T00:00:00Z'), expected: true },
    { what: 'with --force: not one finished before', since: new Date('2025-06-01T00:00:00Z'), expected: false },
  ])('is kept $what: $expected', async ({ since, expected }) => {
    expect(completedMeanwhile(await readRunFolder(join(dir, id)), same(), since)).toBe(expected)
  })

  it('is redone when its settings differ', async () => {
    expect(completedMeanwhile(await readRunFolder(join(dir, id)), 'other', null)).toBe(false)
  })
})
