import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { RunRecord } from '../../src/run/record.ts'
import type { TuneRecord } from '../../src/tune/output.ts'
import { execa } from 'execa'
import { BIN, removeLater, ROOT, teacache, tempDir } from '../helpers/cli.ts'
import { hold } from '../helpers/hold.ts'
import { alive, until } from '../helpers/processes.ts'

/**
 * `tune --shard i/n` and `tune --devices` on the tiny I2V model (6 steps, CPU, one timing round,
 * no warm-up). Two shards started at once into one folder each make their own prompt's cells and
 * wait for the other's, so both judge the same records: they must search exactly as one process
 * does, make every cell once, and leave tune.json to shard 1. The gate nothing keeps makes the
 * search deterministic (it bisects down to the mildest schedule, whatever the timings); the
 * `--devices` run then resumes the folder with a gate that passes, through worker processes.
 */
const work = tempDir('tc-tune-shard-')
const readJson = <T>(path: string) => JSON.parse(readFileSync(path, 'utf8')) as T

function setup(): { config: string; prompts: string } {
  mkdirSync(join(work, 'coefficients'), { recursive: true })
  // The I2V model: tune's one run on it (test/integration/tune.test.ts checks the search on T2V).
  for (const file of ['coefficients/tiny-i2v.yaml', 'first-frame.png']) copyFileSync(join(ROOT, 'configs', file), join(work, file))
  const text = readFileSync(join(ROOT, 'configs', 'tiny-i2v.yaml'), 'utf8').replace(/^steps: \d+$/m, 'steps: 6').replace(/^dtype: float32$/m, 'dtype: float32\nthreads: 1')
  writeFileSync(join(work, 'tiny-i2v.yaml'), text)
  writeFileSync(join(work, 'prompts.txt'), 'A red panda drinks tea.\nA fox runs through snow.\n')
  return { config: join(work, 'tiny-i2v.yaml'), prompts: join(work, 'prompts.txt') }
}

/** Every cell folder of a tune folder that holds a completed run.json. */
function completedCells(dir: string): string[] {
  return readdirSync(dir).filter((g) => /^p\d+-s\d+$/.test(g)).flatMap((g) =>
    readdirSync(join(dir, g)).filter((c) => existsSync(join(dir, g, c, 'run.json')) && readJson<RunRecord>(join(dir, g, c, 'run.json')).status === 'completed').map((c) => `${g}/${c}`),
  ).sort()
}

/** What the search did, timings aside: which candidates it probed, their verdicts and worst values. */
const searched = (r: TuneRecord) => ({
  candidates: r.candidates.map((c) => ({ id: c.id, tried: c.tried, pass: c.pass, worst: c.worst })),
  families: r.families.map((f) => ({ name: f.name, probes: f.probes, search_pick: f.search_pick })),
  choice: r.choice?.id ?? null,
  best_failed: r.best_failed?.id ?? null,
  cost: r.cost,
})

describe('teacache tune --shard and --devices', () => {
  it('two shards started at once search as one process does, make every cell once, and only shard 1 writes tune.json; --devices resumes it', async () => {
    const { config, prompts } = setup()
    const common = ['--gate', 'psnr>=1000', '--prompts', prompts, '--repeats', '1', '--no-warmup', '--quiet']

    const single = join(work, 'single')
    const one = await teacache(['tune', config, ...common, '--output', single])
    expect([one.exitCode, one.stderr]).toEqual([1, expect.stringMatching(/no schedule keeps psnr>=1000/)])

    const sharded = join(work, 'sharded')
    const shards = await Promise.all([1, 2].map((i) => teacache(['tune', config, ...common, '--output', sharded, '--shard', `${i}/2`])))
    for (const shard of shards) expect([shard.exitCode, shard.stderr]).toEqual([1, expect.stringMatching(/no schedule keeps psnr>=1000/)])

    const expected = readJson<TuneRecord>(join(single, 'tune.json'))
    const record = readJson<TuneRecord>(join(sharded, 'tune.json'))
    expect(searched(record)).toEqual(searched(expected))
    // Each cell made once, by one of the two: the shards' own counts add up to what is in the folder.
    expect(completedCells(sharded)).toEqual(completedCells(single))
    expect(record.cost.generations).toBe(completedCells(sharded).length)
    // Both shares were made, each by its own shard (their register entries count what each made, step by step).
    const made = [1, 2].map((i) => readJson<{ steps: number[] }>(join(sharded, '.teacache-writers', 'tune-shards', `${i}-of-2.json`)).steps)
    expect(made.map((steps) => steps.reduce((a, b) => a + b, 0))).toEqual([completedCells(sharded).filter((c) => c.startsWith('p0-')).length, completedCells(sharded).filter((c) => c.startsWith('p1-')).length])

    // --devices: one `tune --shard k/2` worker per device (here two on the CPU); the parent prints shard 1's summary.
    const before = new Map(completedCells(sharded).map((c) => [c, readJson<RunRecord>(join(sharded, c, 'run.json')).started_at]))
    const devices = await teacache(['tune', config, '--gate', 'psnr>=1', '--prompts', prompts, '--repeats', '1', '--no-warmup', '--output', sharded, '--devices', 'cpu,cpu'])
    expect([devices.exitCode, devices.stderr.split('\n').filter((l) => /^teacache: (?!warning)/.test(l))]).toEqual([0, []])
    expect(devices.stdout).toMatch(/^2 workers into /)
    expect(devices.stdout).toContain('[worker 2/2 (cpu)] ')
    expect(devices.stdout).toMatch(/^chosen: threshold [\d.]+ \(\d of 6 steps computed\)/m)
    const resumed = readJson<TuneRecord>(join(sharded, 'tune.json'))
    expect(resumed.choice).not.toBeNull()
    expect(readFileSync(join(sharded, 'tuned.yaml'), 'utf8')).toContain(`rel_l1_thresh: ${resumed.choice!.threshold}`)
    // The cells the first search made were kept, not made again.
    for (const [cell, started] of before) expect(readJson<RunRecord>(join(sharded, cell, 'run.json')).started_at).toBe(started)
    expect(resumed.cost.generations).toBe(completedCells(sharded).length - before.size)
  })

  it('a shard whose peer was killed stops with exit 1 naming the cells that will not come and the peer\'s command, instead of waiting for ever', async () => {
    const { config, prompts } = setup()
    const out = join(work, 'orphaned')
    const args = (i: number) => [BIN, 'tune', config, '--gate', 'psnr>=1000', '--prompts', prompts, '--repeats', '1', '--no-warmup', '--quiet', '--output', out, '--shard', `${i}/2`]
    // Both hold in their first generation (test/helpers/hold.ts): shard 2 registered after shard 1 started (so
    // its entry is no leftover of an earlier attempt) and certainly mid-run when it is killed.
    const held = hold(1)
    const first = execa(process.execPath, args(1), { reject: false, stdin: 'ignore', env: held.env })
    let second: ReturnType<typeof execa> | undefined
    let killed = false
    try {
      const [firstPython] = await held.reached(first)
      second = execa(process.execPath, args(2), { reject: false, stdin: 'ignore', env: held.env })
      const secondPython = (await held.reached(second, 2)).find((pid) => pid !== firstPython)!
      process.kill(second.pid!, 'SIGKILL')
      process.kill(secondPython, 'SIGKILL')
      await second
      await until(() => !alive(secondPython))
      killed = true
    } finally {
      // Nothing is left holding, whatever failed above; a killed process's Python log is the test's to remove.
      held.release()
      if (!killed) for (const child of [first, second]) child?.kill('SIGTERM')
      for (const child of [first, second]) for (const name of readdirSync(tmpdir()).filter((n) => child && n.startsWith(`teacache-python-${child.pid}-`))) removeLater(join(tmpdir(), name))
    }
    const result = await first
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toMatch(/^teacache: shard 2\/2 \(pid \d+\) is no longer running without making p1-s42\/baseline; it was started as `teacache tune .* --shard 2\/2`: shard 1\/2 cannot judge the gate without them\. The runs made so far are kept in /m)
    expect(existsSync(join(out, 'tune.json'))).toBe(false)
  })

  it('--shard without --output is exit 2 before Python starts, as for sweep; so is a shard with no tuning group', async () => {
    const { config } = setup()
    const noOutput = await teacache(['tune', config, '--gate', 'psnr>=30', '--shard', '1/2'])
    expect([noOutput.exitCode, noOutput.stderr]).toEqual([2, 'teacache: --output: --shard needs the shared tune folder, so that every shard writes into the same one'])
    const idle = await teacache(['tune', config, '--gate', 'psnr>=30', '--shard', '2/2', '--output', join(work, 'idle')])
    expect([idle.exitCode, idle.stderr]).toEqual([2, 'teacache: --shard: shard 2/2 for 1 tuning prompt x seed group: shard 2/2 would have none to run; use at most 1 shard in all'])
    const bad = await teacache(['tune', config, '--gate', 'psnr>=30', '--shard', '3/2', '--output', join(work, 'bad')])
    expect([bad.exitCode, bad.stderr]).toEqual([2, 'teacache: --shard: expected i/n with 1 <= i <= n (e.g. 1/4), got "3/2"'])
    expect(existsSync(join(work, 'idle')) || existsSync(join(work, 'bad'))).toBe(false)
  })
})
