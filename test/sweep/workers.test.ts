import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { parseDevices, planWorkers, runWorkers, workersFailure } from '../../src/sweep/workers.ts'
import { tempDir } from '../helpers/temp.ts'

describe('--devices workers', () => {
  it.each([
    ['0,1', ['0', '1']],
    ['cpu, cpu', ['cpu', 'cpu']],
    ['3', ['3']],
    // Leading zeros name the same card; workers are handed the plain number.
    ['00,1', ['0', '1']],
    ['cpu,07', ['cpu', '7']],
  ])('parses "%s"', (text, devices) => expect(parseDevices(text)).toEqual(devices))

  it.each([
    ['0,0', /^GPU 0 is listed twice; one worker per GPU$/],
    ['0,00', /^GPU 0 is listed twice \(as 0 and 00\); one worker per GPU$/],
    ['1,2,01', /^GPU 1 is listed twice \(as 1 and 01\); one worker per GPU$/],
    ['cpu,000,0', /^GPU 0 is listed twice \(as 000 and 0\); one worker per GPU$/],
    ['cuda:0', /GPU numbers or "cpu"/],
    ['0,,1', /GPU numbers or "cpu"/],
    ['-1', /GPU numbers or "cpu"/],
  ])('rejects "%s"', (text, error) => expect(() => parseDevices(text)).toThrow(error))

  it('gives each worker one device and one share of the grid', () => {
    const workers = planWorkers(['0', '3'], undefined)
    expect(workers.map((w) => [w.shard, w.deviceFlag, w.env.CUDA_VISIBLE_DEVICES])).toEqual([
      [{ index: 1, count: 2 }, 'cuda', '0'],
      [{ index: 2, count: 2 }, 'cuda', '3'],
    ])
    expect(planWorkers(['cpu'], { index: 2, count: 3 })).toMatchObject([{ shard: { index: 2, count: 3 }, deviceFlag: 'cpu', env: { CUDA_VISIBLE_DEVICES: '' } }])
    expect(planWorkers(['0', '1'], { index: 2, count: 3 }).map((w) => w.shard)).toEqual([{ index: 2, count: 6 }, { index: 5, count: 6 }])
  })

  it('runs every worker as a child process, labels its output and collects exit codes', async () => {
    const dir = tempDir('tc-workers-')
    const bin = join(dir, 'fake.mjs')
    // Stands in for bin/teacache.mjs: echoes what it was given, fails for shard 2.
    writeFileSync(bin, "const a = process.argv.slice(2); console.log(`args ${a.join(' ')} gpu=${process.env.CUDA_VISIBLE_DEVICES}`); console.error('warn'); process.exit(a.includes('2/2') ? 3 : 0)\n")
    const out: string[] = []
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true))
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true))
    try {
      const workers = planWorkers(['0', '1'], undefined)
      const { results, signal } = await runWorkers(workers, (w) => ['sweep', '--shard', `${w.shard.index}/${w.shard.count}`], { bin })
      expect(signal).toBeUndefined()
      expect(results.map((r) => r.exitCode)).toEqual([0, 3])
    } finally {
      spy.mockRestore()
      err.mockRestore()
    }
    expect(out).toContain('[worker 1/2 (gpu 0)] args sweep --shard 1/2 gpu=0\n')
    expect(out).toContain('[worker 2/2 (gpu 1)] args sweep --shard 2/2 gpu=1\n')
    expect(out).toContain('[worker 2/2 (gpu 1)] warn\n')
  })
})

describe('workersFailure', () => {
  const [one, two] = planWorkers(['0', '1'], undefined)
  it.each([
    [[0, 0], null, null],
    [[0, 1], 1, /^worker 2\/2 \(gpu 1\), shard 2\/2 exited with code 1; see its output above and REPORT.md$/],
    [[2, 1], 2, /^worker 1\/2 \(gpu 0\), shard 1\/2 exited with code 2; worker 2\/2 \(gpu 1\), shard 2\/2 exited with code 1;/],
    [[143, 0], 1, /exited with code 143/],
  ])('exit codes %j end the command with %s', (codes, exitCode, message) => {
    const failure = workersFailure([{ worker: one, exitCode: codes[0], signal: null }, { worker: two, exitCode: codes[1], signal: null }], ' and REPORT.md')
    if (exitCode === null) expect(failure).toBeNull()
    else expect(failure).toMatchObject({ exitCode, message: expect.stringMatching(message!) })
  })
})
