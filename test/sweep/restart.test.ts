import { describe, expect, it } from 'vitest'
import { restartArgs } from '../../src/sweep/restart.ts'

describe('restartArgs', () => {
  it.each([
    [{}, 2, ['sweep', '/c.yaml', '--output', '/s', '--restarts', '2']],
    [
      { thresholds: '0.1,0.2', seeds: '1,2', steps: 6, shard: '1/2', device: 'cuda:1', report: false, quiet: true },
      0,
      ['sweep', '/c.yaml', '--output', '/s', '--restarts', '0', '--thresholds', '0.1,0.2', '--seeds', '1,2', '--shard', '1/2', '--steps', '6', '--device', 'cuda:1', '--no-report', '--quiet'],
    ],
    [{ prompts: '/p.txt', coefficients: '/k.yaml', model: 'tiny' }, 1, ['sweep', '/c.yaml', '--output', '/s', '--restarts', '1', '--prompts', '/p.txt', '--model', 'tiny', '--coefficients', '/k.yaml']],
  ])('%j with %d left', (flags, left, expected) => {
    expect(restartArgs('/c.yaml', '/s', flags, left)).toEqual(expected)
  })

  it('never passes --force, so the resumed sweep keeps finished runs', () => {
    expect(restartArgs('/c.yaml', '/s', { force: true } as never, 1)).not.toContain('--force')
  })
})
