import { describe, expect, it } from 'vitest'
import { buildRuns, type Grid, type Shard } from '../../src/sweep/grid.ts'
import { checkShares, describeWait, goneError, judgeWait, ownerOf, splitStep, stepDigest, tuneIdentity, writesOutputs, type PeerView } from '../../src/tune/shards.ts'

const grid: Grid = { prompts: ['a', 'b', 'c'], seeds: [42, 43], thresholds: [0.1, 0.2] }
/** One probe of threshold 0.2 on the tuning prompts 0 and 1 (groups 0-3), as tune asks for it. */
const probe = buildRuns(grid).filter((r) => r.promptIndex <= 1 && (r.threshold === null || r.threshold === 0.2))
const ids = (cells: Array<{ id: string }>) => cells.map((c) => c.id)
const shard = (index: number, count: number): Shard => ({ index, count })

describe('which cells a shard makes and which it waits for', () => {
  it.each([
    [undefined, ['p0-s42/baseline', 'p0-s42/t0.2', 'p0-s43/baseline', 'p0-s43/t0.2', 'p1-s42/baseline', 'p1-s42/t0.2', 'p1-s43/baseline', 'p1-s43/t0.2'], []],
    [shard(1, 2), ['p0-s42/baseline', 'p0-s42/t0.2', 'p1-s42/baseline', 'p1-s42/t0.2'], ['p0-s43/baseline', 'p0-s43/t0.2', 'p1-s43/baseline', 'p1-s43/t0.2']],
    [shard(2, 2), ['p0-s43/baseline', 'p0-s43/t0.2', 'p1-s43/baseline', 'p1-s43/t0.2'], ['p0-s42/baseline', 'p0-s42/t0.2', 'p1-s42/baseline', 'p1-s42/t0.2']],
    [shard(3, 3), ['p1-s42/baseline', 'p1-s42/t0.2'], ['p0-s42/baseline', 'p0-s42/t0.2', 'p0-s43/baseline', 'p0-s43/t0.2', 'p1-s43/baseline', 'p1-s43/t0.2']],
  ])('shard %j: whole prompt x seed groups, dealt as a sweep deals them', (s, mine, awaited) => {
    const split = splitStep(probe, s)
    expect([ids(split.mine), ids(split.awaited)]).toEqual([mine, awaited])
    if (s) for (const cell of split.awaited) expect(ownerOf(cell, s.count)).not.toBe(s.index)
    if (s) for (const cell of split.mine) expect(ownerOf(cell, s.count)).toBe(s.index)
  })

  it('the first baseline (the first tuning group, which plan replays) is always shard 1\'s', () => {
    for (const count of [1, 2, 3, 5]) expect(ownerOf(probe[0], count)).toBe(1)
  })

  it.each([
    [shard(1, 1), true],
    [undefined, true],
    [shard(1, 3), true],
    [shard(2, 3), false],
  ])('%j writes tune.json, tuned.yaml and the report: %s', (s, writes) => expect(writesOutputs(s)).toBe(writes))

  it.each([
    [[shard(1, 2), shard(2, 2)], 2, null],
    [[shard(3, 3)], 4, null],
    [[shard(3, 3)], 2, /^--shard: shard 3\/3 for 2 tuning prompt x seed groups: shard 3\/3 would have none to run; use at most 2 shards in all$/],
    [[shard(1, 3), shard(2, 3), shard(3, 3)], 1, /^--devices: 3 devices for 1 tuning prompt x seed group: shard 2\/3 would have none to run; use at most 1 shard in all$/],
  ])('shares %j of %i tuning groups', (shards, groups, error) => {
    const flag = shards.length > 1 ? '--devices' : '--shard'
    if (error) expect(() => checkShares(shards, groups, flag)).toThrow(error)
    else expect(() => checkShares(shards, groups, flag)).not.toThrow()
  })
})

describe('tuneIdentity: the processes that may share a tune folder', () => {
  const base = { fingerprint: 'abcdef0123456789', grid, gate: 'psnr>=30', quantile: 0, tuning: [0, 1], held: [2] }
  it.each([
    ['the grid grown by the search', { grid: { ...grid, thresholds: [0.3] } }, true],
    ['another cache tuned too', { methods: 'fbc' }, false],
    ['another gate', { gate: 'psnr>=31' }, false],
    ['another quantile', { quantile: 0.5 }, false],
    ['other held-out prompts', { tuning: [0], held: [1, 2] }, false],
    ['another seed', { grid: { ...grid, seeds: [42] } }, false],
    ['other settings', { fingerprint: '0123456789abcdef' }, false],
  ])('%s: same tune %s', (_, change, same) => expect(tuneIdentity({ ...base, ...change }) === tuneIdentity(base)).toBe(same))
})

describe('judgeWait: when a shard may judge a step, and when it gives up', () => {
  const me = shard(1, 2)
  const running = (steps: number[], extra: Partial<PeerView> = {}): PeerView => ({ state: 'running', alive: true, stale: false, steps, digests: steps.map(() => 'd'), command: 'teacache tune c.yaml --shard 2/2', where: 'pid 7', ...extra })
  const cells = (settled: boolean) => [{ id: 'p0-s43/t0.2', owner: 2, settled }, { id: 'p1-s43/t0.2', owner: 2, settled: true }]
  const peers = (v: PeerView | null) => new Map([[2, v]])
  it.each([
    ['cells recorded, peer past the step: ready, with its generations', cells(true), running([2, 1]), 0, { kind: 'ready', generations: 1 }],
    ['cells recorded, peer not yet past the step (its count is not final)', cells(true), running([2]), 0, { kind: 'wait', peers: [{ index: 2, started: true, cells: [] }] }],
    ['a cell missing, peer running', cells(false), running([2, 1]), 0, { kind: 'wait', peers: [{ index: 2, started: true, cells: ['p0-s43/t0.2'] }] }],
    ['a cell missing, peer not started', cells(false), null, 0, { kind: 'wait', peers: [{ index: 2, started: false, cells: ['p0-s43/t0.2'] }] }],
    ['cells recorded, peer not started (an earlier attempt made them)', cells(true), null, 0, { kind: 'ready', generations: 0 }],
    ['cells recorded, peer ended', cells(true), running([2, 3], { state: 'ended' }), 0, { kind: 'ready', generations: 3 }],
    ['a cell missing, peer killed', cells(false), running([2], { alive: false }), 0, 'gone'],
    ['a cell missing, peer ended (failed)', cells(false), running([2], { state: 'ended' }), 0, 'gone'],
    ['a cell missing, an older entry: perhaps starting again', cells(false), running([2], { state: 'ended', stale: true }), 1000, { kind: 'wait', peers: [{ index: 2, started: false, cells: ['p0-s43/t0.2'] }] }],
    ['a cell missing, an older entry past the grace', cells(false), running([2], { alive: false, stale: true }), 5000, 'gone'],
    ['the peer made other cells in this step: the shards disagree', cells(false), running([2, 1], { digests: ['d', 'e'] }), 0, { kind: 'disagree', index: 2, command: 'teacache tune c.yaml --shard 2/2' }],
    ['an earlier attempt\'s entry made other cells: no disagreement of this attempt', cells(true), running([2, 1], { state: 'ended', stale: true, digests: ['d', 'e'] }), 0, { kind: 'ready', generations: 1 }],
    ['the peer made other cells in an earlier step only: judged by this step', cells(true), running([2, 1], { digests: ['e', 'd'] }), 0, { kind: 'ready', generations: 1 }],
  ] as const)('%s', (_, cellList, view, waited, expected) => {
    const verdict = judgeWait({ step: 2, digest: 'd', me, cells: cellList, peers: peers(view), waitedMs: waited, graceMs: 2000 })
    if (expected === 'gone') expect(verdict).toMatchObject({ kind: 'gone', peers: [{ index: 2, cells: ['p0-s43/t0.2'] }] })
    else expect(verdict).toEqual(expected)
  })

  it('a step\'s digest names its cells, in any order, whoever makes them', () => {
    const { mine, awaited } = splitStep(probe, shard(1, 2))
    expect(stepDigest([...mine, ...awaited])).toBe(stepDigest([...awaited].reverse().concat(mine)))
    expect(stepDigest(probe)).not.toBe(stepDigest(probe.slice(1)))
  })

  it('sums the generations of every other shard, and ignores its own slot', () => {
    const three = new Map<number, PeerView | null>([[1, running([5])], [3, running([4, 2])]])
    expect(judgeWait({ step: 1, digest: 'd', me: shard(2, 3), cells: [], peers: three, waitedMs: 0, graceMs: 0 })).toEqual({ kind: 'ready', generations: 9 })
  })

  it('says whom it waits for, and when giving up, which cells will not come and how to resume', () => {
    expect(describeWait(me, [{ index: 2, started: false, cells: ['p0-s43/baseline'] }])).toBe('shard 1/2: waiting for shard 2/2, not started yet (p0-s43/baseline)')
    const error = goneError(me, '/out/tune', [{ index: 2, view: running([1], { alive: false }), cells: ['p0-s43/t0.2', 'p1-s43/t0.2'] }])
    expect(error.exitCode).toBe(1)
    expect(error.message).toBe(
      'shard 2/2 (pid 7) is no longer running without making p0-s43/t0.2, p1-s43/t0.2; it was started as `teacache tune c.yaml --shard 2/2`: shard 1/2 cannot judge the gate without them. ' +
        'The runs made so far are kept in /out/tune; start the missing shard again with its command and rerun this one (or rerun the --devices command) to resume',
    )
  })
})
