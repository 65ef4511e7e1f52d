import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'
import { beforeAll, describe, expect, it } from 'vitest'
import { parseCoefficientsFile } from '../../src/policy/coefficients-file.ts'
import { schedule } from '../../src/policy/teacache.ts'
import { findPython } from '../../src/python/interpreter.ts'
import type { RunRecord } from '../../src/run/record.ts'
import { ROOT, teacache, tempDir } from '../helpers/cli.ts'

/** End to end on the tiny model: the real CLI, Python, diffusers and ffmpeg. */
const work = tempDir('tc-run-')
const readRun = (dir: string) => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunRecord
const frames = (dir: string) => readdirSync(join(dir, 'frames')).sort().map((f) => readFileSync(join(dir, 'frames', f)))
const sameFrames = (a: string, b: string) => {
  const x = frames(a)
  const y = frames(b)
  return x.length === y.length && x.every((buf, i) => buf.equals(y[i]))
}

async function run(args: string[], warning?: RegExp): Promise<string> {
  const out = join(work, `out-${Math.random().toString(36).slice(2)}`)
  const result = await teacache(['run', ...args, '--output', out])
  if (warning) expect(result.stderr).toMatch(warning)
  else expect(result.stderr).toBe('')
  expect(result.exitCode).toBe(0)
  return out
}

describe('teacache run (tiny T2V)', () => {
  let skipping: string
  let baseline: string
  let zero: string
  beforeAll(async () => {
    const disabled = join(work, 'disabled.yaml')
    // The copy lives elsewhere: point its coefficients file back at configs/.
    const tiny = readFileSync(join(ROOT, 'configs', 'tiny.yaml'), 'utf8').replace('coefficients: coefficients/', `coefficients: ${join(ROOT, 'configs', 'coefficients')}/`)
    writeFileSync(disabled, tiny.replace('teacache:\n', 'teacache:\n  enabled: false\n'))
    ;[skipping, baseline, zero] = await Promise.all([
      run(['configs/tiny.yaml']),
      run([disabled]),
      run(['configs/tiny.yaml', '--rel-l1-thresh', '0']),
    ])
  })

  it('writes the run folder contract', () => {
    // configs/tiny.yaml names the coefficients `teacache calibrate` fitted on the tiny model.
    const tinyCoefficients = parseCoefficientsFile(readFileSync(join(ROOT, 'configs', 'coefficients', 'tiny.yaml'), 'utf8'), 'tiny.yaml').coefficients
    expect(readdirSync(skipping).sort()).toEqual(['frames', 'run.json', 'video.mp4'])
    const record = readRun(skipping)
    expect(record).toMatchObject({
      format: 'teacache-run/1', status: 'completed', error: null,
      model: { pipeline_class: 'CogVideoXPipeline', version: '1.5', task: 't2v', num_layers: 2 },
      teacache: { enabled: true, rel_l1_thresh: 1, coefficients: tinyCoefficients, coefficients_source: `file:${join(ROOT, 'configs', 'coefficients', 'tiny.yaml')}` },
      output: { video: 'video.mp4', frames_dir: 'frames', frames: 17, height: 64, width: 64 },
    })
    expect(record.environment).toMatchObject({ device: 'cpu', dtype: 'float32' })
    expect(record.environment.torch).toMatch(/^2\./)
    for (const key of ['load', 'encode_prompt', 'denoise', 'decode', 'encode_video', 'total'] as const) expect(record.timings_s[key]).toBeGreaterThan(0)
    expect(record.memory?.host_peak_rss_bytes).toBeGreaterThan(0)
    expect(record.steps).toHaveLength(20)
    expect(record.steps.every((s) => typeof s.seconds === 'number' && s.seconds >= 0 && Number.isFinite(s.timestep))).toBe(true)
  })

  it('records decisions that equal the rule recomputed from the recorded distances', () => {
    const record = readRun(skipping)
    const replay = schedule({ coefficients: record.teacache.coefficients!, threshold: record.teacache.rel_l1_thresh }, record.steps.map((s) => s.distance))
    expect(record.steps.map(({ index, distance, rescaled, accumulated, computed }) => ({ index, distance, rescaled, accumulated, computed }))).toEqual(replay)
    expect(record.steps[0]).toMatchObject({ distance: null, rescaled: null, computed: true })
    expect(record.steps.at(-1)!.computed).toBe(true)
    expect(record.skipped_steps).toBeGreaterThan(0)
    expect(record.computed_steps + record.skipped_steps).toBe(20)
    // The mechanism's own count of block loops agrees with the policy: skipped steps ran no blocks.
    expect(record.block_loops).toBe(record.computed_steps)
  })

  it('threshold 0 through the TeaCache forward gives the frames of the unpatched pipeline', () => {
    expect(readRun(zero)).toMatchObject({ computed_steps: 20, skipped_steps: 0, block_loops: 20 })
    expect(readRun(baseline)).toMatchObject({ teacache: { enabled: false, coefficients: null }, block_loops: null, computed_steps: 20 })
    expect(sameFrames(zero, baseline)).toBe(true)
  })

  it('skipping changes the video but not its shape', () => {
    expect(sameFrames(skipping, baseline)).toBe(false)
    expect(frames(skipping)).toHaveLength(frames(baseline).length)
  })

  it('encodes a browser-playable H.264 video', async () => {
    const video = readFileSync(join(skipping, 'video.mp4'))
    expect(video.subarray(4, 8).toString()).toBe('ftyp')
    const ffmpeg = (await import('@ffmpeg-installer/ffmpeg')).default.path
    const probe = await execa(ffmpeg, ['-hide_banner', '-i', join(skipping, 'video.mp4')], { reject: false })
    expect(probe.stderr).toMatch(/Video: h264 .*yuv420p.*64x64.*8 fps/)
  })
})

describe('teacache run (other models)', () => {
  it('runs the tiny I2V model with its image', async () => {
    const out = await run(['configs/tiny-i2v.yaml'])
    expect(readRun(out)).toMatchObject({ status: 'completed', model: { task: 'i2v', pipeline_class: 'CogVideoXImageToVideoPipeline', ofs_embed_dim: 32 } })
    expect(readRun(out).skipped_steps).toBeGreaterThan(0)
  })

  it('a saved pipeline folder, loaded through from_pretrained, gives the built-in video', async () => {
    const folder = join(work, 'tiny-saved')
    await execa(findPython(), ['-m', 'teacache.tiny', 'tiny', folder], { env: { PYTHONPATH: join(ROOT, 'python') } })
    expect(existsSync(join(folder, 'model_index.json'))).toBe(true)
    // The tiny coefficients were fitted at 20 steps on the built-in model: both runs say so.
    const fromFolder = await run(['configs/tiny.yaml', '--model', folder, '--steps', '6'], /^teacache: warning: teacache\.coefficients: .* was fitted on another setting \(model tiny -> .*tiny-saved, steps 20 -> 6\)/)
    const builtIn = await run(['configs/tiny.yaml', '--steps', '6'], /^teacache: warning: .*\(steps 20 -> 6\)/)
    expect(readRun(fromFolder).model.source).toBe(folder)
    expect(sameFrames(fromFolder, builtIn)).toBe(true)
  })
})
