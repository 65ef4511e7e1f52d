import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { definitionOf } from '../../src/methods/registry.ts'
import type { CacheMethod } from '../../src/methods/method.ts'
import { collectSweep } from '../../src/report/collect.ts'
import { buildReportData } from '../../src/report/summary.ts'
import type { RunRecord } from '../../src/run/record.ts'
import { pythonTripwire, ROOT, teacache, tempDir } from '../helpers/cli.ts'
import { TINY_CONFIG } from '../helpers/configs.ts'

/**
 * Every training-free cache diffusers has for CogVideoX, through the real CLI on the tiny
 * CogVideoX1.5 models (patch_size_t=2, T2V and I2V, CPU): calibrate measures MagCache's ratios,
 * one sweep runs TeaCache beside diffusers' hooks on one loaded pipeline, every run records the
 * work that really ran, and what cannot work is refused before anything is made.
 */
const work = tempDir('tc-methods-')
const SMALL = TINY_CONFIG.replace('steps: 20', 'steps: 6').replace('height: 64', 'height: 32').replace('width: 64', 'width: 32').replace('frames: 17', 'frames: 9')
const t2v = join(work, 't2v.yaml')
const i2v = join(work, 'i2v.yaml')
writeFileSync(t2v, SMALL)
writeFileSync(i2v, `${SMALL.replace('model: tiny', 'model: tiny-i2v')}image: ${join(ROOT, 'configs', 'first-frame.png')}\n`)
// Parameters that make each one reuse something on the tiny model's random weights.
const METHODS = 'teacache:0.5,fbc:2,pab,fastercache,magcache:0.5,taylorseer:2:disable_cache_before_step=1'
const readRun = (dir: string, id: string) => JSON.parse(readFileSync(join(dir, id, 'run.json'), 'utf8')) as RunRecord

/** Steps where the part a method reuses ran on fewer rows than the step's full amount. */
function reusedSteps(record: RunRecord, part: 'block_rows' | 'attention_rows'): number {
  const c = record.compute!
  return c.steps.filter((s) => s[part] < c.layers * s.input_rows).length
}

describe.each([
  { task: 't2v', config: t2v },
  { task: 'i2v', config: i2v },
])('methods sweep on the tiny $task model', ({ task, config }) => {
  const dir = join(work, `${task}-sweep`)
  const coefficients = join(work, `${task}-coefficients.yaml`)
  let calibrated: Awaited<ReturnType<typeof teacache>>
  let swept: Awaited<ReturnType<typeof teacache>>

  beforeAll(async () => {
    calibrated = await teacache(['calibrate', config, '--output', coefficients, '--quiet'])
    swept = await teacache(['sweep', config, '--output', dir, '--coefficients', coefficients, '--methods', METHODS, '--repeats', '2', '--quiet'])
  })

  it('calibrate writes MagCache\'s ratios beside the TeaCache coefficients', () => {
    expect(calibrated.exitCode).toBe(0)
    const text = readFileSync(coefficients, 'utf8')
    expect(text).toMatch(/^magcache:\n {2}ratios:\n {4}- 1\n/m)
    expect(text.match(/^ {4}- /gm)).toHaveLength(6)
  })

  it('runs every variant next to one baseline, each a run folder named by its variant', () => {
    expect(swept.stderr).toBe('')
    expect(swept.exitCode).toBe(0)
    const manifest = JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8'))
    expect(manifest.grid.thresholds).toEqual([0.5])
    expect(manifest.runs.map((r: { id: string }) => r.id)).toEqual(
      ['baseline', 't0.5', 'fbc2', 'pab', 'fastercache', 'magcache0.5', 'taylorseer2-7bf2d04b'].map((c) => `p0-s42/${c}`),
    )
  })

  it('records in every run.json the work that really ran, and each method avoided its own kind of work', () => {
    const baseline = readRun(dir, 'p0-s42/baseline').compute!
    expect(baseline).toMatchObject({ layers: 2, input_rows: 12, block_rows: 24, attention_rows: 24, feedforward_rows: 24 })
    const ran = (id: string) => {
      const c = readRun(dir, `p0-s42/${id}`).compute!
      return [c.block_rows, c.attention_rows, c.feedforward_rows].map((rows, i) => rows < [baseline.block_rows, baseline.attention_rows, baseline.feedforward_rows][i])
    }
    // [fewer block rows, fewer attention rows, fewer feed-forward rows]
    expect(ran('fbc2')).toEqual([true, true, true])
    expect(ran('magcache0.5')).toEqual([true, true, true])
    expect(ran('pab')).toEqual([false, true, false])
    expect(ran('fastercache')).toEqual([true, true, true])
    expect(ran('taylorseer2-7bf2d04b')).toEqual([false, true, true])
    // TeaCache's own count agrees with the counts inside the blocks.
    const tea = readRun(dir, 'p0-s42/t0.5')
    expect(tea.compute!.block_rows).toBe(tea.block_loops! * 2 * 2)
    const fbc = readRun(dir, 'p0-s42/fbc2')
    expect(fbc.config).toMatchObject({ teacache: { enabled: false }, method: { name: 'fbc', params: { threshold: 2 } } })
    expect(fbc.computed_steps).toBeLessThan(6)
  })

  it('reuses on exactly the steps predicted from the timesteps, the prediction that refuses a do-nothing setting', () => {
    for (const [id, part] of [['pab', 'attention_rows'], ['fastercache', 'block_rows'], ['taylorseer2-7bf2d04b', 'attention_rows']] as const) {
      const record = readRun(dir, `p0-s42/${id}`)
      const method = record.config.method as { name: CacheMethod; params: Record<string, unknown> }
      const predicted = definitionOf(method.name).reusableSteps!(method.params, record.steps.map((s) => s.timestep))
      expect([id, reusedSteps(record, part)]).toEqual([id, predicted])
      expect(predicted).toBeGreaterThan(0)
    }
  })

  it('reports each variant as a column beside the baseline, with its work and an ideal only where counts give one', () => {
    const md = readFileSync(join(dir, 'REPORT.md'), 'utf8')
    expect(md).toContain('| latency (s) | Baseline | TeaCache (0.5) | FirstBlockCache (2) | PAB | FasterCache | MagCache (0.5) | TaylorSeer (2) [taylorseer2-7bf2d04b] |')
    expect(md).toMatch(/^\| work run vs baseline \(blocks · attention · feed-forward\) \| 100% · 100% · 100% \|/m)
    // A column's ideal pools its non-suspect runs (timing on a shared CPU can make one suspect): a number, or — without one.
    expect(md).toMatch(/^\| ideal speedup \(upper bound\) \| — \| (?:[\d.]+x|—) \| (?:[\d.]+x|—) \| — \(no bound\)ᵃ \| — \(no bound\)ᵃ \| (?:[\d.]+x|—) \| — \(no bound\)ᵃ \|$/m)
    expect(md).toMatch(/^\| p0 · seed 42 \| ∞ dB \/ 1\.0000 \/ 0\.000 \| [\d.]+ dB/m)
    expect(md).toContain('## Work avoided')
  })

  it('bounds the runs that skip whole blocks by their block counts, and no others', async () => {
    const collected = await collectSweep(dir)
    const data = buildReportData(collected, new Map(), { computed: false, weights: [], reason: 'n/a' })
    const bounded = data.runs.filter((r) => r.ideal !== null).map((r) => r.id.split('/')[1])
    expect(bounded).toEqual(['t0.5', 'fbc2', 'magcache0.5'])
    expect(data.runs.find((r) => r.id.endsWith('/fbc2'))!.ideal).toBeGreaterThan(1)
  })

  it('resumes without starting Python: method runs keep their fingerprints', async () => {
    const again = await teacache(['sweep', config, '--output', dir, '--coefficients', coefficients, '--methods', METHODS, '--repeats', '2'], { env: pythonTripwire().env })
    expect(again.exitCode).toBe(0)
    expect(again.stdout).toContain('7 runs: 0 completed, 7 already done, 0 failed')
  })
})

describe('methods that cannot work are refused before anything is made', () => {
  it.each([
    { what: 'SeaCache', args: ['--methods', 'seacache'], message: /^teacache: --methods: seacache: refused: SeaCache cannot work on CogVideoX .*cache_context\("cond_uncond"\) without them/ },
    { what: 'MagCache without ratios', args: ['--methods', 'magcache'], message: /^teacache: --methods: magcache needs the residual magnitude ratios of this model, .*: run `teacache calibrate .*t2v\.yaml`/ },
    { what: 'methods with every run compiled', args: ['--methods', 'fbc', '--compile', 'blocks'], message: /^teacache: --methods: diffusers' caches run on eager blocks/ },
    { what: 'an unknown parameter', args: ['--methods', 'pab:skip=3'], message: /^teacache: --methods: pab: unknown parameter skip; expected spatial_attention_block_skip_range, spatial_attention_timestep_skip_range$/ },
  ])('$what: exit 2 without starting Python', async ({ args, message }) => {
    const trip = pythonTripwire()
    const out = join(work, `refused-${Math.random().toString(36).slice(2)}`)
    const result = await teacache(['sweep', t2v, '--output', out, ...args], { env: trip.env })
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(message)
    expect(trip.started()).toBe(false)
    expect(existsSync(out)).toBe(false)
  })

  it('FasterCache without classifier-free guidance: exit 2 without starting Python', async () => {
    const trip = pythonTripwire()
    const noCfg = join(work, 'no-cfg.yaml')
    writeFileSync(noCfg, SMALL.replace('guidance_scale: 6.0', 'guidance_scale: 1.0'))
    const result = await teacache(['sweep', noCfg, '--output', join(work, 'no-cfg'), '--methods', 'fastercache'], { env: trip.env })
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(/^teacache: --methods: fastercache: refused: FasterCache approximates the unconditional half of classifier-free guidance, and guidance_scale 1 runs none/)
    expect(trip.started()).toBe(false)
  })

  it('a timestep range no step of the schedule falls in: refused once the model has loaded, before any folder is made', async () => {
    const out = join(work, 'never')
    const result = await teacache(['sweep', t2v, '--output', out, '--methods', 'fbc:2,pab:spatial_attention_timestep_skip_range=1..2', '--repeats', '2', '--quiet'])
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(/^teacache: methods: these cannot work with the loaded pipeline, and no run was made:\n {2}pab-[0-9a-f]{8}: refused: PAB .* reuses nothing on any of the 6 steps of this schedule \(timesteps 999, 832, 666, 499, 332, 166\)/)
    expect(existsSync(out)).toBe(false)
  })
})
