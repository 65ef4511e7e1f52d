import { describe, expect, it } from 'vitest'
import { analyzeQualityBench, measureQualityBench, type QualityMeasurements } from '../../src/bench/quality.ts'
import { renderQualityMarkdown } from '../../src/bench/quality-report.ts'
import type { Machine } from '../../src/bench/machine.ts'
import { tempDir } from '../helpers/cli.ts'

const MACHINE: Machine = { cpu_model: 'Test CPU', cores: 2, memory_gib: 8, platform: 'linux-x64', load_average_start: 0.5, load_average_end: 0.6, nice: 0, env: {} }
const samples = (wall: number[], cpu = wall) => ({ wall_s: wall, cpu_s: cpu, foreign_share: wall.map(() => 0.02) })

function measurements(overrides: Partial<QualityMeasurements> = {}): QualityMeasurements {
  return {
    video: { frames: 81, width: 1360, height: 768, png_bytes_per_frame: 1.8e6, write_s: 9 },
    threads: 2,
    // 81 frames at 0.1 s of CPU each.
    single: samples([8.4, 8.1, 8.2], [8.1, 8.1, 8.1]),
    poolFirst: samples([4.6, 4.5, 4.7]),
    pool: samples([4.2, 4.1, 4.3], [8.1, 8.1, 8.1]),
    quality: { frames: 81, psnr: 41.8, mse: 4.29, ssim: 0.98 },
    identical: true,
    ...overrides,
  }
}
const meta = { date: '2026-01-01T00:00:00.000Z', command: 'teacache bench --mode quality', duration_s: 60, machine: MACHINE, repeats: 3 }

describe('quality bench analysis', () => {
  it('medians, speedup, CPU per frame and the 16-thread projection (labelled as one)', () => {
    const r = analyzeQualityBench(measurements(), meta)
    expect(r.single_thread.seconds.median).toBe(8.2)
    expect(r.pool.seconds.median).toBe(4.2)
    expect(r.pool.first_pair_s.median).toBe(4.6)
    expect(r.pool.speedup).toBeCloseTo(8.2 / 4.2, 12)
    expect(r.cpu_ms_per_frame).toBeCloseTo(100, 9)
    // ceil(81 / 16) = 6 frames per thread x 0.1 s
    expect(r.projection.seconds).toBeCloseTo(0.6, 9)
    expect(r.goal).toMatchObject({ seconds: 3, threads: 16, measured_threads: 2, measured_seconds: 4.2, met: 'projected yes' })
    expect(r.notes[0]).toMatch(/^Projection, not a measurement/)
  })

  it.each([
    { name: '16 threads measured within the goal', m: { threads: 16, pool: samples([2.9, 2.8, 3.0]) }, met: 'yes' },
    { name: '16 threads measured over the goal', m: { threads: 16, pool: samples([3.4, 3.2, 3.3]) }, met: 'no' },
    { name: 'a projection over the goal', m: { pool: samples([40, 40, 40], [81, 81, 81]) }, met: 'projected no' },
    { name: 'a smaller video', m: { video: { frames: 8, width: 64, height: 48, png_bytes_per_frame: 9e3, write_s: 0.1 } }, met: 'not applicable' },
  ])('goal: $met for $name', ({ m, met }) => {
    expect(analyzeQualityBench(measurements(m), meta).goal.met).toBe(met)
  })

  it('says so when the thread counts disagreed, which would be a bug', () => {
    expect(analyzeQualityBench(measurements({ identical: false }), meta).notes.join('\n')).toMatch(/differed between samples/)
  })

  it('renders the table the README quotes', () => {
    const text = renderQualityMarkdown(analyzeQualityBench(measurements(), meta))
    expect(text).toContain('| PSNR + SSIM of one 81-frame 1360x768 pair, 1 thread (no workers) | 8.20 s |')
    expect(text).toContain('pool of 2 worker threads')
    expect(text).toContain('| projection for 16 threads (**not measured**) | 0.60 s |')
    expect(text).toContain('Machine: Test CPU, 2 cores')
  })
})

describe('quality bench measurement', () => {
  it('times a small synthetic pair on 1 thread and on a pool, with the same metrics every time', async () => {
    const steps: string[] = []
    const m = await measureQualityBench({ frames: 3, width: 40, height: 24, repeats: 2, threads: 2, workDir: tempDir('tc-qbench-'), onProgress: (s) => steps.push(s) })
    expect(m.identical).toBe(true)
    expect(m.threads).toBe(2)
    for (const s of [m.single, m.poolFirst, m.pool]) {
      expect(s.wall_s).toHaveLength(2)
      expect(s.cpu_s.every((x) => x > 0)).toBe(true)
    }
    expect(m.quality.frames).toBe(3)
    expect(m.quality.psnr).toBeGreaterThan(30)
    expect(m.video.png_bytes_per_frame).toBeGreaterThan(1000)
    expect(steps).toEqual(['writing a synthetic 3-frame 40x24 pair of PNG folders', 'round 1/2: 1 thread and a pool of 2', 'round 2/2: 1 thread and a pool of 2'])
  })
})
