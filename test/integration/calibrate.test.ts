import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { PlanEntry } from '../../src/plan/plan.ts'
import { parseCoefficientsFile, type CoefficientsFile } from '../../src/policy/coefficients-file.ts'
import type { RunRecord } from '../../src/run/record.ts'
import { ROOT, pythonTripwire, teacache, tempDir, type CliResult } from '../helpers/cli.ts'

/**
 * Calibrate on the tiny CogVideoX 1.0 I2V model (learned positional embeddings, no temporal
 * patch: the 1.0 path end to end), then plan and run with the file it wrote.
 */
const dir = tempDir('tc-calibrate-')
const config = join(dir, 'c.yaml')
// The config names the file calibrate is about to write, as a user's would.
writeFileSync(
  config,
  readFileSync(join(ROOT, 'configs', 'tiny-1.0-i2v.yaml'), 'utf8')
    .replace('image: first-frame.png', `image: ${join(ROOT, 'configs', 'first-frame.png')}`)
    .replace('steps: 20', 'steps: 8')
    .replace(/coefficients: .*/, 'coefficients: fitted.yaml'),
)
const prompts = join(dir, 'prompts.txt')
writeFileSync(prompts, '# two prompts, seven steps each after the first: 14 pairs\nA mountain valley at sunset.\nA boat on a calm lake.\n')

describe('teacache calibrate (tiny 1.0 I2V)', () => {
  let calibrated: CliResult
  let file: CoefficientsFile
  let plan: PlanEntry[]
  let record: RunRecord
  let runStderr: string

  beforeAll(async () => {
    calibrated = await teacache(['calibrate', config, '--prompts', prompts, '--output', join(dir, 'fitted.yaml')])
    file = parseCoefficientsFile(readFileSync(join(dir, 'fitted.yaml'), 'utf8'), 'fitted.yaml')
    const out = join(dir, 'run')
    const [planned, ran] = await Promise.all([
      teacache(['plan', config, '--json', '--thresholds', '0.1']),
      teacache(['run', config, '--output', out, '--quiet']),
    ])
    expect([planned.exitCode, planned.stderr]).toEqual([0, ''])
    expect(ran.exitCode).toBe(0)
    plan = JSON.parse(planned.stdout)
    record = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'))
    runStderr = ran.stderr
  })

  it('fits the pairs of every prompt and reports the fit quality', () => {
    expect(calibrated.exitCode).toBe(0)
    expect(calibrated.stderr).toBe('')
    expect(calibrated.stdout).toMatch(/Fitted 14 pairs \(2 prompts x 7 steps\): R² [01]\.\d{4}, RMSE /)
    expect(file.fit).toMatchObject({ degree: 4, pairs: 14 })
    expect(file.fit.r2).toBeGreaterThan(0)
    expect(file.fit.r2).toBeLessThanOrEqual(1)
    expect(file.coefficients.every(Number.isFinite)).toBe(true)
  })

  it('records what the coefficients were fitted on and the command that made them', () => {
    expect(file.fitted_on).toMatchObject({
      model: 'tiny-1.0-i2v', version: '1.0', task: 'i2v', num_layers: 2, height: 64, width: 64, frames: 17, steps: 8,
      guidance_scale: 6, prompts: 2, seed: 42, dtype: 'float32',
    })
    expect(file.command).toBe(`teacache calibrate ${config} --prompts ${prompts} --output ${join(dir, 'fitted.yaml')}`)
    expect(readFileSync(join(dir, 'fitted.svg'), 'utf8').match(/<circle /g)).toHaveLength(14 + 1)
  })

  it('run accepts the file, without a warning on its own setting, and skips the steps the plan predicted', () => {
    expect(runStderr).toBe('')
    expect(record.teacache).toEqual({ enabled: true, rel_l1_thresh: 0.1, coefficients: file.coefficients, coefficients_source: `file:${join(dir, 'fitted.yaml')}` })
    expect(record.model).toMatchObject({ version: '1.0', task: 'i2v', patch_size_t: null, ofs_embed_dim: null })
    expect(record.block_loops).toBe(record.computed_steps)
    const skipped = record.steps.filter((s) => !s.computed).map((s) => s.index)
    expect(skipped.length).toBeGreaterThan(0)
    expect(skipped).toEqual(plan[0].skipped)
  })
})

describe('teacache calibrate: bad input, before Python', () => {
  const cases: Array<[string, (d: string) => string[], RegExp]> = [
    ['too few pairs for a degree-4 fit', (d) => [write(d, readFileSync(config, 'utf8').replace('steps: 8', 'steps: 3')), '--output', join(d, 'x.yaml')], /steps: calibration gets one pair per step after the first and prompt \(1 x 2 = 2\); a degree-4 fit needs at least 5/],
    ['an output that exists', (d) => [config, '--output', write(d, 'keep')], /--output: .* already exists; choose another file or pass --force/],
    ['a missing prompts file', (d) => [config, '--prompts', join(d, 'none.txt'), '--output', join(d, 'x.yaml')], /--prompts: .*none\.txt does not exist/],
  ]
  it.each(cases)('%s', async (_, args, message) => {
    const d = tempDir('tc-calibrate-bad-')
    const argv = args(d)
    const before = readdirSync(d)
    const trip = pythonTripwire()
    const result = await teacache(['calibrate', ...argv], { env: trip.env })
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(message)
    expect(readdirSync(d)).toEqual(before)
    expect(trip.started()).toBe(false)
  })

  it('run --coefficients with a missing file stops before Python', async () => {
    const trip = pythonTripwire()
    const out = join(tempDir('tc-calibrate-bad-'), 'out')
    const result = await teacache(['run', 'configs/tiny.yaml', '--coefficients', '/nowhere/c.yaml', '--output', out], { env: trip.env })
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(/^teacache: --coefficients: \/nowhere\/c\.yaml does not exist; expected a file written by teacache calibrate/)
    expect([existsSync(out), trip.started()]).toEqual([false, false])
  })
})

function write(d: string, text: string): string {
  const path = join(d, `f${readdirSync(d).length}.yaml`)
  writeFileSync(path, text)
  return path
}
