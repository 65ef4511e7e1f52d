import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'
import { beforeAll, describe, expect, it } from 'vitest'
import { collectSweep } from '../../src/report/collect.ts'
import { measureQuality } from '../../src/report/generate.ts'
import { buildReportData, type ReportData } from '../../src/report/summary.ts'
import type { RunRecord } from '../../src/run/record.ts'
import { BIN, pythonTripwire, teacache, tempDir } from '../helpers/cli.ts'
import { TINY_CONFIG } from '../helpers/configs.ts'
import { hold } from '../helpers/hold.ts'

/**
 * End to end on the tiny model (CPU): one sweep interrupted and resumed, and the same sweep as two
 * shards (`--devices cpu,cpu` starts two worker processes, each a `teacache sweep --shard k/2`),
 * merged by `report`. The two folders are shared by every assertion below.
 */
const work = tempDir('tc-sweep-')
const config = join(work, 'tiny-sweep.yaml')
writeFileSync(join(work, 'prompts.txt'), '# two prompts\nA red panda drinks tea.\nA fox runs through snow.\n')
writeFileSync(config, `${TINY_CONFIG.replace('steps: 20', 'steps: 6').replace(/prompt: .*/, 'prompt: "unused: sweep.prompts wins"')}sweep:
  thresholds: [0.5, 1, 2]
  prompts: prompts.txt
`)
const IDS = ['p0-s42', 'p1-s42'].flatMap((g) => ['baseline', 't0.5', 't1', 't2'].map((c) => `${g}/${c}`))
const full = join(work, 'full')
const sharded = join(work, 'sharded')
const readRun = (dir: string, id: string) => JSON.parse(readFileSync(join(dir, id, 'run.json'), 'utf8')) as RunRecord

async function reportData(dir: string): Promise<ReportData> {
  const collected = await collectSweep(dir)
  return buildReportData(collected, await measureQuality(collected), { computed: false, weights: [], reason: 'n/a' })
}

/** Everything but wall-clock measurements and where runs ran: what must agree between a sharded and an unsharded sweep. */
function withoutTimings(data: ReportData) {
  // How many repeats a cell gets (repeats: auto) depends on its timing too.
  const { started: _s, finished: _f, repeats: _n, ...setup } = data.setup!
  const { processes: _w, ...rest } = data
  return {
    ...rest, setup,
    groups: data.groups.map(({ placement: _p, sessions: _s, ...group }) => group),
    runs: data.runs.map(({ denoise: _d, decode: _c, latency: _l, spread: _r, speedup: _p, ideal: _i, lower: _w, interval: _v, ratios: _o, session: _e, suspect: _x, memory: _m, n: _n, ...run }) => run),
    columns: data.columns.map(({ latency: _l, denoise: _d, decode: _c, speedup: _p, ideal: _i, lower: _w, interval: _v, pairs: _q, spread: _r, excluded: _x, aboveIdeal: _a, memory: _m, repeats: _n, ...column }) => column),
  }
}

describe('teacache sweep (tiny, CPU)', () => {
  let interrupted: { exitCode: number | undefined; stderr: string; done: Map<string, { started: string; mtime: number }> }
  let resumed: Awaited<ReturnType<typeof teacache>>
  let workers: Awaited<ReturnType<typeof teacache>>

  beforeAll(async () => {
    // Stop the sweep with SIGTERM once its first run is on disk and a later one is certainly in progress: every
    // loop holds at its second step (test/helpers/hold.ts) and is let go until the first run is written.
    const held = hold(1)
    const child = execa(process.execPath, [BIN, 'sweep', config, '--output', full, '--repeats', '2'], { reject: false, stdin: 'ignore', env: held.env })
    const first = join(full, IDS[0], 'run.json')
    for (;;) {
      const [python] = await held.reached(child)
      if (existsSync(first)) break
      held.letGo(python)
    }
    child.kill('SIGTERM')
    const result = await child
    const done = new Map<string, { started: string; mtime: number }>()
    for (const id of IDS) {
      if (existsSync(join(full, id, 'run.json')) && readRun(full, id).status === 'completed') {
        done.set(id, { started: readRun(full, id).started_at, mtime: statSync(join(full, id, 'run.json')).mtimeMs })
      }
    }
    interrupted = { exitCode: result.exitCode, stderr: String(result.stderr), done }
    ;[resumed, workers] = await Promise.all([
      teacache(['sweep', config, '--output', full, '--repeats', '2']),
      teacache(['sweep', config, '--output', sharded, '--devices', 'cpu,cpu', '--repeats', '2']),
    ])
    // Three sweeps of eight runs, two of them side by side: minutes on a busy machine. Every wait above is for a
    // marker, so this bound only catches a hang.
  }, 600_000)

  it('an interrupted sweep exits 143, and running it again finishes it without redoing finished runs', () => {
    expect(interrupted.exitCode).toBe(143)
    expect(interrupted.stderr).toMatch(/interrupted by SIGTERM: \d+ finished run\(s\) kept in .*; run the same command again/)
    expect(interrupted.done.has(IDS[0])).toBe(true)
    expect(interrupted.done.size).toBeLessThan(IDS.length)
    expect(resumed.exitCode).toBe(0)
    expect(resumed.stdout).toContain(`${IDS.length - interrupted.done.size} completed, ${interrupted.done.size} already done, 0 failed`)
    for (const id of IDS) expect(readRun(full, id).status).toBe('completed')
    for (const [id, before] of interrupted.done) {
      expect(readRun(full, id).started_at).toBe(before.started)
      // A finished baseline whose group still had runs to make is timed again beside them (its record
      // gains the new session's rounds, its frames stay); every other finished run is left as it was.
      if (!id.endsWith('/baseline') || interrupted.done.size === 4) expect(statSync(join(full, id, 'run.json')).mtimeMs).toBe(before.mtime)
      else expect(readRun(full, id).timing!.sessions).toHaveLength(2)
    }
  })

  it('writes every run folder in the run format, REPORT.md, chart.svg and a comparison video per prompt', () => {
    expect(readdirSync(full).sort()).toEqual(['.teacache-index.json', 'REPORT.html', 'REPORT.md', 'chart.svg', 'compare-p0-s42.mp4', 'compare-p1-s42.mp4', 'p0-s42', 'p1-s42', 'sweep.json'])
    // A TeaCache run also keeps its PSNR/SSIM against the baseline, for the next `teacache report`.
    for (const id of IDS) expect(readdirSync(join(full, id)).sort()).toEqual(id.endsWith('/baseline') ? ['frames', 'run.json', 'video.mp4'] : ['frames', 'quality.json', 'run.json', 'video.mp4'])
    expect(readRun(full, 'p1-s42/t1')).toMatchObject({ config: { prompt: 'A fox runs through snow.', seed: 42, steps: 6 }, teacache: { enabled: true, rel_l1_thresh: 1 } })
    expect(readRun(full, 'p0-s42/baseline')).toMatchObject({ teacache: { enabled: false }, block_loops: null })
    expect(readFileSync(join(full, 'chart.svg'), 'utf8')).toMatch(/^<svg /)
    expect(readFileSync(join(full, 'compare-p0-s42.mp4')).subarray(4, 8).toString()).toBe('ftyp')
  })

  it('the report\'s numbers equal what the run.json files hold', async () => {
    const data = await reportData(full)
    const trusted = (id: string) => !data.runs.find((r) => r.id === id)!.suspect
    const md = readFileSync(join(full, 'REPORT.md'), 'utf8')
    const cells = (first: string) => md.split('\n').find((l) => l.startsWith(`| ${first} |`))!.split(' | ').slice(1).map((c) => c.replace(/\s*\|$/, ''))
    const close = (cell: string, value: number) => {
      const shown = cell.match(/^[\d.]+/)![0]
      const decimals = shown.split('.')[1]?.length ?? 0
      expect(Math.abs(Number(shown) - value)).toBeLessThanOrEqual(0.5 * 10 ** -decimals + 1e-12)
    }
    // The median over the cell's timed repeats (one, the run itself, where none are recorded).
    const latency = (id: string) => {
      const run = readRun(full, id)
      const sums = (run.repeats?.length ? run.repeats : [run.timings_s]).map((r) => r.denoise + r.decode).sort((a, b) => a - b)
      const mid = sums.length >> 1
      return sums.length % 2 ? sums[mid] : (sums[mid - 1] + sums[mid]) / 2
    }
    // The median over the rounds of the run's session of baseline round r / run round r.
    const paired = (group: string, column: string) => {
      const run = readRun(full, `${group}/${column}`)
      const session = run.timing!.sessions.at(-1)!.id
      const base = new Map(readRun(full, `${group}/baseline`).repeats!.filter((r) => r.session === session).map((r) => [r.round, r.denoise + r.decode]))
      const ratios = run.repeats!.filter((r) => r.session === session).map((r) => base.get(r.round)! / (r.denoise + r.decode)).sort((a, b) => a - b)
      const mid = ratios.length >> 1
      return ratios.length % 2 ? ratios[mid] : (ratios[mid - 1] + ratios[mid]) / 2
    }
    for (const [row, group] of [['p0 · seed 42', 'p0-s42'], ['p1 · seed 42', 'p1-s42']]) {
      const shown = cells(row)
      ;['baseline', 't0.5', 't1', 't2'].forEach((column, i) => close(shown[i], latency(`${group}/${column}`)))
      ;['t0.5', 't1', 't2'].forEach((column, i) => {
        // A speedup outside its bounds is shown marked (⚠) but still as measured.
        const speedup = shown[i + 1].match(/\((?:⚠ )?([\d.]+)x/)![1]
        expect(Math.abs(Number(speedup) - paired(group, column))).toBeLessThanOrEqual(0.005 + 1e-12)
      })
    }
    const columns = ['baseline', 't0.5', 't1', 't2']
    columns.forEach((column, i) => {
      // The summary rows pool the runs that are not suspect, as the headline does.
      const values = ['p0-s42', 'p1-s42'].filter((g) => trusted(`${g}/${column}`)).map((g) => latency(`${g}/${column}`))
      const [m, s] = cells('**mean ± sd**')[i].split(' ± ')
      if (values.length === 0) expect(m).toBe('—')
      else close(m, values.reduce((a, b) => a + b, 0) / values.length)
      if (values.length === 2) close(s, Math.abs(values[0] - values[1]) / Math.SQRT2)
      const computed = readRun(full, `p0-s42/${column}`).computed_steps
      expect(readRun(full, `p1-s42/${column}`).computed_steps).toBe(computed)
      expect(cells('computed steps')[i]).toBe(`${computed}/6`)
    })
    // With identity coefficients and these distances, 0.5 computes every step: the same video as the baseline.
    expect(cells('**PSNR, mean ± sd (dB)**')[0]).toBe('∞')
    expect(readRun(full, 'p0-s42/t2').skipped_steps).toBeGreaterThan(0)
    expect(Number(cells('**PSNR, mean ± sd (dB)**')[2].split(' ± ')[0])).toBeLessThan(Number(cells('**PSNR, mean ± sd (dB)**')[1].split(' ± ')[0]))
  })

  it('--devices cpu,cpu runs each prompt and seed whole on one worker process, all into one folder', () => {
    expect(workers.exitCode).toBe(0)
    expect(workers.stdout).toContain('worker 1/2 (cpu), shard 1/2')
    expect(workers.stdout).toMatch(/\[worker 1\/2 \(cpu\)\] .*p0-s42\/baseline · 6\/6 steps computed/)
    expect(workers.stdout).toMatch(/\[worker 1\/2 \(cpu\)\] .*p0-s42\/t0.5 · 6\/6 steps computed/)
    expect(workers.stdout).toMatch(/\[worker 2\/2 \(cpu\)\] .*p1-s42\/baseline · 6\/6 steps computed/)
    expect(workers.stdout).toContain('[worker 2/2 (cpu)] sweep (shard 2/2): 4 runs: 4 completed')
    // A speedup divides two runs' times: every run of a group ran in one process (run.json says which).
    const pids = (group: string) => new Set(['baseline', 't0.5', 't1', 't2'].map((c) => readRun(sharded, `${group}/${c}`).worker!.pid))
    expect(pids('p0-s42').size).toBe(1)
    expect(pids('p1-s42').size).toBe(1)
    expect([...pids('p0-s42')][0]).not.toBe([...pids('p1-s42')][0])
    // Each worker warmed up once, before its first timed run; later runs carry no warm-up.
    expect(readRun(sharded, 'p1-s42/baseline').timings_s.warmup).toBeGreaterThan(0)
    expect(readRun(sharded, 'p1-s42/t1').timings_s.warmup).toBe(0)
    // Same settings, other processes: the same frames as the single-process sweep.
    const frames = (dir: string, id: string) => readdirSync(join(dir, id, 'frames')).sort().map((f) => readFileSync(join(dir, id, 'frames', f)))
    for (const id of IDS) expect(frames(sharded, id).every((buf, i) => buf.equals(frames(full, id)[i]))).toBe(true)
  })

  it('two shards merged by `report` give the same report as the unsharded sweep (timings aside), without starting Python', async () => {
    const trip = pythonTripwire()
    const report = await teacache(['report', sharded], { env: trip.env })
    expect(report.stderr).toBe('')
    expect(report.exitCode).toBe(0)
    expect(trip.started()).toBe(false)
    expect(withoutTimings(await reportData(sharded))).toEqual(withoutTimings(await reportData(full)))
    const section = (dir: string, from: string, to: string) => {
      const md = readFileSync(join(dir, 'REPORT.md'), 'utf8')
      return md.slice(md.indexOf(from), md.indexOf(to))
    }
    expect(section(sharded, '## Skipped steps', '## Side-by-side')).toBe(section(full, '## Skipped steps', '## Side-by-side'))
    expect(section(sharded, '| PSNR / SSIM', 'LPIPS')).toBe(section(full, '| PSNR / SSIM', 'LPIPS'))
  })

  it('a finished sweep runs again without Python, with fewer thresholds too (the folder keeps its grid); other settings are refused with exit 2', async () => {
    const trip = pythonTripwire()
    const again = await teacache(['sweep', config, '--output', full, '--quiet'], { env: trip.env })
    expect(again.exitCode).toBe(0)
    const fewer = await teacache(['sweep', config, '--output', full, '--thresholds', '0.5,1'], { env: trip.env })
    expect([fewer.exitCode, fewer.stderr]).toEqual([0, ''])
    expect(fewer.stdout).toContain('the sweep also holds thresholds 2 (not named here): kept, and run where missing')
    expect(trip.started()).toBe(false)
    const other = await teacache(['sweep', config, '--output', full, '--steps', '4'], { env: trip.env })
    expect(other.exitCode).toBe(2)
    expect(other.stderr).toContain(`--output: ${full} holds a sweep with other settings:\n  steps: 6 -> 4`)
    expect(trip.started()).toBe(false)
  })
})
