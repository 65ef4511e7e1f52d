import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'
import { describe, expect, it } from 'vitest'
import type { RunRecord } from '../../src/run/record.ts'
import { BIN, teacache, tempDir } from '../helpers/cli.ts'
import { TINY_CONFIG } from '../helpers/configs.ts'
import { hold } from '../helpers/hold.ts'
import { alive, childrenOf, until } from '../helpers/processes.ts'

/**
 * `kill -9` of the parent of `sweep --devices`: its workers notice (their stdin pipe from the
 * parent closes), stop as on SIGTERM with their current runs marked interrupted,
 * and stop their Pythons; running the sweep again finishes it.
 */
describe('orphaned --devices workers', () => {
  it('stop once their parent is SIGKILLed, leaving their runs interrupted and resumable', async () => {
    const dir = tempDir('tc-orphan-')
    const config = join(dir, 'short.yaml')
    // Short: both workers hold in their baselines (test/helpers/hold.ts) while the parent dies; no warm-up or
    // repeats, so the baseline is the first thing each worker times and the resumed sweep stays short.
    writeFileSync(config, TINY_CONFIG.replace('steps: 20', 'steps: 4'))
    const out = join(dir, 'sweep')
    const held = hold(1)
    // Two seeds: workers are dealt whole prompt x seed groups, one each.
    const parent = execa(process.execPath, [BIN, 'sweep', config, '--output', out, '--thresholds', '1', '--seeds', '42,43', '--devices', 'cpu,cpu', '--no-warmup', '--repeats', '1'], { reject: false, stdin: 'ignore', env: held.env })
    const holding = await held.reached(parent, 2)
    const workers = childrenOf(parent.pid!, 'teacache.mjs')
    expect(workers).toHaveLength(2)
    const pythons = workers.flatMap((w) => childrenOf(w, 'interface.py'))
    expect(pythons.sort()).toEqual(holding.sort())

    process.kill(parent.pid!, 'SIGKILL')
    await parent
    // Noticing is immediate (the pipe closes); stopping includes writing run.json and stopping Python.
    // Workers that never noticed would wait at the hold for ever: the test's timeout says so.
    await until(() => [...workers, ...pythons].every((pid) => !alive(pid)))
    for (const id of ['p0-s42/baseline', 'p0-s43/baseline']) {
      const record = JSON.parse(readFileSync(join(out, id, 'run.json'), 'utf8')) as RunRecord
      expect(record).toMatchObject({ status: 'interrupted', error: { code: 'INTERRUPTED', message: 'interrupted by SIGTERM' } })
    }

    const resumed = await teacache(['sweep', config, '--output', out, '--thresholds', '1', '--seeds', '42,43', '--devices', 'cpu,cpu', '--no-warmup', '--repeats', '1', '--quiet'])
    expect(resumed.exitCode).toBe(0)
    expect(resumed.stderr).toMatch(/taking over the sweep folder .*: its writer pid \d+ on this host, .* is no longer running/)
    for (const id of ['p0-s42/baseline', 'p0-s42/t1', 'p0-s43/baseline', 'p0-s43/t1']) expect(JSON.parse(readFileSync(join(out, id, 'run.json'), 'utf8')).status).toBe('completed')
  })
})
