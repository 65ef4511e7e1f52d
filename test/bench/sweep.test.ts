import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { sweepCosts } from '../../src/bench/sweep.ts'
import { tempDir } from '../helpers/temp.ts'

describe('sweepCosts', () => {
  it('counts, over every run.json at any depth, the runs that paid for a load and a prompt encode', async () => {
    const dir = tempDir('tc-bench-sweep-')
    const runs = { 'p0-s42/baseline': [2.5, 0.4], 'p0-s42/t0.1': [0, 0], 'p0-s42/t0.2': [0, 0], 'p1-s42/baseline': [0, 0.3] }
    for (const [id, [load, encode]] of Object.entries(runs)) {
      mkdirSync(join(dir, id), { recursive: true })
      writeFileSync(join(dir, id, 'run.json'), JSON.stringify({ timings_s: { load, encode_prompt: encode } }))
    }
    writeFileSync(join(dir, 'sweep.json'), '{}')
    expect(await sweepCosts(dir)).toEqual({ runs: 4, withLoad: 1, withEncode: 2 })
  })
})
