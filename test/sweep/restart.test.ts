import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { restartArgs } from '../../src/sweep/restart.ts'

describe('restartArgs', () => {
  it.each([
    [{}, 2, ['sweep', '/c.yaml', '--output', '/s', '--restarts', '2']],
    [
      { thresholds: '0.1,0.2', seeds: '1,2', overrides: { steps: 6, device: 'cuda:1' }, shard: '1/2', report: false, quiet: true },
      0,
      ['sweep', '/c.yaml', '--output', '/s', '--restarts', '0', '--thresholds', '0.1,0.2', '--seeds', '1,2', '--shard', '1/2', '--steps', '6', '--device', 'cuda:1', '--no-report', '--quiet'],
    ],
    [{ methods: 'teacache:0.1,fbc:0.05', compile: 'none,blocks', repeats: 3 }, 1, ['sweep', '/c.yaml', '--output', '/s', '--restarts', '1', '--repeats', '3', '--compile', 'none,blocks', '--methods', 'teacache:0.1,fbc:0.05']],
    [{ prompts: '/p.txt', overrides: { coefficients: '/k.yaml', model: 'tiny' } }, 1, ['sweep', '/c.yaml', '--output', '/s', '--restarts', '1', '--prompts', '/p.txt', '--model', 'tiny', '--coefficients', '/k.yaml']],
    [
      { overrides: { height: 32, width: 48, frames: 9, dtype: 'float32', cpu_offload: 'model', image: 'first.png', model: './m' } },
      0,
      ['sweep', '/c.yaml', '--output', '/s', '--restarts', '0', '--model', resolve('m'), '--image', resolve('first.png'), '--height', '32', '--width', '48', '--frames', '9', '--dtype', 'float32', '--cpu-offload', 'model'],
    ],
  ])('%j with %d left', (flags, left, expected) => {
    expect(restartArgs('/c.yaml', '/s', flags, left)).toEqual(expected)
  })

  it('never passes --force, so the resumed sweep keeps finished runs', () => {
    expect(restartArgs('/c.yaml', '/s', { force: true } as never, 1)).not.toContain('--force')
  })
})
