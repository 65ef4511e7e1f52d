import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { collectSweep } from '../../src/report/collect.ts'
import { measureQuality } from '../../src/report/generate.ts'
import { buildReportData, type ReportData } from '../../src/report/summary.ts'
import { placementSection, warmupText } from '../../src/report/where.ts'
import type { RunSpec } from '../../src/sweep/grid.ts'
import { computing, makeSweepFixture, ok, worker, type FixtureRun } from '../fixtures/sweep.ts'
import { tempDir } from '../helpers/temp.ts'

const LPIPS = { computed: false as const, weights: [], reason: 'test' }

/** Two seeds, baseline and 0.5; `extra` sets each run's worker, warm-up and compile time. */
async function dataWith(extra: (spec: RunSpec) => Partial<FixtureRun>): Promise<ReportData> {
  const dir = tempDir('tc-where-')
  makeSweepFixture(dir, {
    grid: { prompts: ['a'], seeds: [42, 43], thresholds: [0.5] },
    run: (spec) => ({ ...ok(spec.threshold === null ? 0.152 : 0.116, 0.02, 0, computing(spec.threshold === null ? 20 : 15)), ...extra(spec) }),
  })
  const collected = await collectSweep(dir)
  return buildReportData(collected, await measureQuality(collected), LPIPS)
}

describe('where each group ran', () => {
  it('gives one line per group, from run.json worker', async () => {
    const data = await dataWith((spec) => ({ worker: worker(100 + spec.seed, 'gpu-node', spec.seed - 42), warmup: spec.threshold === null ? 3.1 : 0 }))
    const md = placementSection(data).join('\n')
    expect(md).toContain('## Where each group ran')
    expect(md).toContain('- p0 · seed 42: host `gpu-node`, NVIDIA H200 (cuda, index 0), pid 142\n')
    expect(md).toContain('- p0 · seed 43: host `gpu-node`, NVIDIA H200 (cuda, index 1), pid 143')
    expect(md).not.toContain('⚠')
  })

  it('warns when the baseline and a threshold of a group ran on different workers', async () => {
    const data = await dataWith((spec) => ({ worker: spec.seed === 43 && spec.threshold !== null ? worker(2, 'other-node') : worker(1), warmup: 1 }))
    const md = placementSection(data).join('\n')
    expect(md).toContain('- p0 · seed 42: host `node1`, NVIDIA H200 (cuda, index 0), pid 1\n')
    expect(md).toContain('- p0 · seed 43: ⚠ split: host `node1`, NVIDIA H200 (cuda, index 0), pid 1 (baseline); host `other-node`, NVIDIA H200 (cuda, index 0), pid 2 (t0.5)')
    expect(md).toContain('⚠ In 1 group(s) (p0-s43) the baseline and a threshold ran on different hosts, devices or processes: those speedups are marked suspect (different worker).')
  })

  it('says it does not know when no record says where it ran', async () => {
    const md = placementSection(await dataWith(() => ({}))).join('\n')
    expect(md).toContain('Not recorded: these run.json files have no `worker`')
    expect(md).not.toContain('- p0')
  })
})

describe('warm-up in the setup', () => {
  it.each([
    {
      name: 'one process, warmed up',
      extra: (spec: RunSpec) => ({ worker: worker(1), warmup: spec.id === 'p0-s42/baseline' ? 2.5 : 0, compile: 0 }),
      text: '2.50 s, untimed, before the first timed run; not part of any latency',
    },
    {
      name: 'two processes with torch.compile',
      extra: (spec: RunSpec) => ({ worker: worker(spec.seed), warmup: spec.threshold === null ? spec.seed / 10 : 0, compile: spec.threshold === null ? spec.seed / 20 : 0 }),
      text: '4.20–4.30 s in each of 2 processes, torch.compile 2.10–2.15 s of it, untimed, before the first timed run; not part of any latency',
    },
    {
      name: 'one process without warm-up (--no-warmup)',
      extra: (spec: RunSpec) => ({ worker: worker(spec.seed), warmup: spec.seed === 42 && spec.threshold === null ? 1.5 : 0 }),
      text: '1.50 s in 1 of 2 processes, untimed, before the first timed run; not part of any latency; ' +
        'none in process 43 on `node1`: its first run `p0-s43/baseline` may be slow and is a likely suspect',
    },
    {
      name: 'older records: nothing recorded',
      extra: () => ({}),
      text: 'none in a process that recorded neither where it ran nor a warm-up: its first run `p0-s42/baseline` may be slow and is a likely suspect',
    },
  ])('$name', async ({ extra, text }) => {
    expect(warmupText((await dataWith(extra)).processes)).toBe(text)
  })

  it('says nothing when nothing ran', () => expect(warmupText([])).toBe('—'))
})
