import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { pythonTripwire, teacache, tempDir } from '../helpers/cli.ts'

/** `teacache bench --mode quality` from the real CLI: Node only, worker threads loading TypeScript under tsx. */
describe('teacache bench --mode quality', () => {
  it('writes the results with a pool of worker threads and never starts Python', async () => {
    const out = join(tempDir('tc-bench-q-'), 'q.json')
    const trip = pythonTripwire()
    const result = await teacache(['bench', '--mode', 'quality', '--frames', '3', '--width', '48', '--height', '32', '--repeats', '1', '--threads', '2', '--output', out], { env: trip.env })
    expect(result.stderr).not.toMatch(/internal error/)
    expect(result.exitCode).toBe(0)
    expect(trip.started()).toBe(false)
    const results = JSON.parse(readFileSync(out, 'utf8'))
    expect(results).toMatchObject({
      format: 'teacache-bench-quality/1',
      video: { frames: 3, width: 48, height: 32 },
      settings: { repeats: 1, threads: 2 },
      pool: { threads: 2 },
      metrics: { identical_across_threads_and_rounds: true },
      goal: { met: 'not applicable' },
    })
    expect(results.machine.cores).toBeGreaterThan(0)
    expect(existsSync(out.replace(/\.json$/, '.md'))).toBe(true)
    expect(result.stdout).toContain('| projection for 16 threads (**not measured**) |')
  })

  it.each([
    { args: ['--mode', 'quality', '--steps', '4'], message: /^teacache: --steps: does not apply to --mode quality$/ },
    { args: ['--frames', '4'], message: /^teacache: --frames: sizes the synthetic video of --mode quality only$/ },
  ])('refuses $args with exit code 2 and one line', async ({ args, message }) => {
    const result = await teacache(['bench', ...args, '--output', join(tempDir('tc-bench-q-'), 'q.json')])
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(message)
  })

  it('honours TEACACHE_QUALITY_THREADS and refuses a bad value before writing anything', async () => {
    const dir = tempDir('tc-bench-q-')
    const ok = await teacache(['bench', '--mode', 'quality', '--frames', '2', '--width', '24', '--height', '16', '--repeats', '1', '--output', join(dir, 'a.json')], { env: { TEACACHE_QUALITY_THREADS: '3' } })
    expect(ok.exitCode).toBe(0)
    expect(JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8')).pool.threads).toBe(3)
    const bad = await teacache(['bench', '--mode', 'quality', '--output', join(dir, 'b.json')], { env: { TEACACHE_QUALITY_THREADS: 'many' } })
    expect(bad.exitCode).toBe(2)
    expect(bad.stderr).toBe('teacache: TEACACHE_QUALITY_THREADS: expected an integer from 1 to 256, got "many"')
    expect(existsSync(join(dir, 'b.json'))).toBe(false)
  })
})
