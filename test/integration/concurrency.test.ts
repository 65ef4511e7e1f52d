import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { RunRecord } from '../../src/run/record.ts'
import type { SweepManifest } from '../../src/sweep/manifest.ts'
import { teacache, tempDir } from '../helpers/cli.ts'
import { TINY_CONFIG } from '../helpers/configs.ts'

/**
 * Writers side by side: every command that exits 0 has its own complete run.json, a second
 * writer of a run folder gets another name or exit 2, two sweeps of different settings never
 * share a folder, while the shards of one sweep still do. Nothing is lost silently.
 */
const tiny = TINY_CONFIG.replace('steps: 20', 'steps: 3')
const readJson = <T>(path: string) => JSON.parse(readFileSync(path, 'utf8')) as T
function config(dir: string, text = tiny): string {
  const file = join(dir, 'c.yaml')
  writeFileSync(file, text)
  return file
}

describe('concurrent writers', () => {
  it('two runs into one --output at once: one writes it, the other exits 2 and overwrites nothing', async () => {
    const dir = tempDir('tc-conc-')
    const out = join(dir, 'run')
    const results = await Promise.all([1, 2].map((seed) => teacache(['run', config(dir), '--output', out, '--seed', String(seed), '--quiet'])))
    expect(results.map((r) => r.exitCode).sort()).toEqual([0, 2])
    const winner = results.findIndex((r) => r.exitCode === 0)
    expect(results[1 - winner].stderr).toMatch(/^teacache: output: (another teacache process is writing .*run \(pid \d+|.*run was filled by something else while the model loaded; nothing was overwritten)/m)
    const record = readJson<RunRecord>(join(out, 'run.json'))
    expect(record).toMatchObject({ status: 'completed', config: { seed: winner + 1 } })
    expect(readdirSync(out).sort()).toEqual(['frames', 'run.json', 'video.mp4'])
    expect(readdirSync(join(out, 'frames'))).toHaveLength(17)
  })

  it('two runs of one config without --output: each gets its own folder and prints its own video', async () => {
    const dir = tempDir('tc-conc-')
    const file = config(dir, `${tiny}output: outs\n`)
    const results = await Promise.all([1, 2].map(() => teacache(['run', file])))
    expect(results.map((r) => r.exitCode)).toEqual([0, 0])
    const videos = results.map((r) => /^video: (.*)$/m.exec(r.stdout)![1])
    expect(new Set(videos).size).toBe(2)
    expect(readdirSync(join(dir, 'outs'))).toHaveLength(2)
    for (const video of videos) {
      expect(existsSync(video)).toBe(true)
      expect(readJson<RunRecord>(join(video, '..', 'run.json')).status).toBe('completed')
    }
  })

  it('two sweeps of other settings into one folder at once: one is refused with exit 2, none of its runs mixed in', async () => {
    const dir = tempDir('tc-conc-')
    const out = join(dir, 'sweep')
    const file = config(dir)
    const results = await Promise.all(['1', '0.5'].map((t) => teacache(['sweep', file, '--output', out, '--thresholds', t, '--repeats', '2', '--quiet'])))
    expect(results.map((r) => r.exitCode).sort()).toEqual([0, 2])
    const winner = results.findIndex((r) => r.exitCode === 0)
    expect(results[1 - winner].stderr).toMatch(/^teacache: --output: .*sweep (is being written by another sweep with other settings|was claimed by another sweep meanwhile|holds a sweep with other settings)/m)
    const threshold = winner === 0 ? 1 : 0.5
    expect(readJson<SweepManifest>(join(out, 'sweep.json')).grid.thresholds).toEqual([threshold])
    expect(readdirSync(join(out, 'p0-s42')).sort()).toEqual(['baseline', `t${threshold}`])
    for (const id of ['baseline', `t${threshold}`]) expect(readJson<RunRecord>(join(out, 'p0-s42', id, 'run.json')).status).toBe('completed')
    const md = readFileSync(join(out, 'REPORT.md'), 'utf8')
    expect(md).toContain(`TeaCache (${threshold})`)
    expect(md).not.toContain(`TeaCache (${threshold === 1 ? 0.5 : 1})`)
  })

  it('the shards of one sweep write one folder at once; a writer left by a killed process is taken over with a message', async () => {
    const dir = tempDir('tc-conc-')
    const out = join(dir, 'sweep')
    const file = config(dir)
    // A sweep of other settings was killed here: its register entry names a pid that is gone.
    const dead = spawnSync(process.execPath, ['-e', '']).pid
    mkdirSync(join(out, '.teacache-writers'), { recursive: true })
    writeFileSync(join(out, '.teacache-writers', `${hostname()}-${dead}.json`), JSON.stringify({
      pid: dead, host: hostname(), boot_id: null, started_at: '2020-01-01T00:00:00.000Z', command: 'teacache sweep other.yaml', token: 'x', identity: 'another-sweep', registered_at: 0,
    }))
    const shard = (i: number) => teacache(['sweep', file, '--output', out, '--thresholds', '0.5,1', '--shard', `${i}/2`, '--repeats', '2', '--quiet'])
    const results = await Promise.all([shard(1), shard(2)])
    expect(results.map((r) => r.exitCode)).toEqual([0, 0])
    expect(results.map((r) => r.stderr).join('')).toMatch(new RegExp(`teacache: taking over the sweep folder .*sweep: its writer pid ${dead} on this host, since 2020-01-01T00:00:00.000Z is no longer running`))
    for (const id of ['baseline', 't0.5', 't1']) expect(readJson<RunRecord>(join(out, 'p0-s42', id, 'run.json')).status).toBe('completed')
    expect(readdirSync(out).sort()).toEqual(['.teacache-index.json', 'REPORT.html', 'REPORT.md', 'chart.svg', 'compare-p0-s42.mp4', 'p0-s42', 'sweep.json'])
  })
})
