import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { currentOwner } from '../../src/util/lock.ts'
import { joinSweep, sweepIdentity, WRITERS } from '../../src/sweep/writers.ts'
import { parseConfig } from '../../src/config/load.ts'
import { buildManifest, growManifest } from '../../src/sweep/manifest.ts'
import { tempDir } from '../helpers/temp.ts'

const root = tempDir('tc-writers-')
const grid = { prompts: ['a'], seeds: [1], thresholds: [0.1] }
const A = sweepIdentity({ fingerprint: '0123456789abcdef', grid })
const B = sweepIdentity({ fingerprint: '0123456789abcdef', grid: { ...grid, thresholds: [0.2] } })
/** Another process's registration, as it would have written it. */
function register(dir: string, identity: string, owner: Partial<ReturnType<typeof currentOwner>>, registeredAt: number) {
  mkdirSync(join(dir, WRITERS), { recursive: true })
  const me = { ...currentOwner(), ...owner, identity, registered_at: registeredAt }
  writeFileSync(join(dir, WRITERS, `${me.host}-${me.pid}.json`), JSON.stringify(me))
}
const livePid = process.ppid

describe('the sweep folder lock', () => {
  it('identity: same fingerprint and grid are one sweep; another grid is another', () => {
    expect(A).toBe(sweepIdentity({ fingerprint: '0123456789abcdef', grid }))
    expect(A).toBe(sweepIdentity({ fingerprint: '0123456789abcdef', grid: { ...grid, compile: ['none'] } }))
    expect(sweepIdentity({ fingerprint: '0123456789abcdef', grid: { ...grid, thresholds: [0.2, 0.1] } })).toBe(sweepIdentity({ fingerprint: '0123456789abcdef', grid: { ...grid, thresholds: [0.1, 0.2] } }))
    expect(A).not.toBe(B)
  })

  it('a grown grid waits for a live writer of the old one; a command of the old grid that meets the grown folder joins the grown sweep', async () => {
    const config = parseConfig('model: tiny\nprompt: p\nsteps: 4\nheight: 16\nwidth: 16\nframes: 5\nteacache:\n  rel_l1_thresh: 0.1\n', '/x/c.yaml')
    const old = buildManifest(config, grid)
    const grown = growManifest(old, buildManifest(config, { ...grid, thresholds: [0.1, 0.5], seeds: [1, 2] }), new Date())
    const dir = join(root, 'growing')
    mkdirSync(dir)
    register(dir, sweepIdentity(old), { pid: livePid, established: true } as never, Date.now() - 1000)
    await expect(joinSweep(dir, sweepIdentity(grown))).rejects.toThrow(/is being written by another sweep .*a grid grows only while no process runs the old one/)
    // A shard started with the old command line after the growth runs the folder's grid: the same sweep.
    const lateShard = growManifest(grown, old, new Date())
    expect(sweepIdentity(lateShard)).toBe(sweepIdentity(grown))
    expect(sweepIdentity(lateShard)).not.toBe(sweepIdentity(old))
  })

  it('lets processes of the same sweep (shards, workers) write side by side', async () => {
    const dir = join(root, 'shared')
    mkdirSync(dir)
    register(dir, A, { pid: livePid }, Date.now() - 1000)
    const member = await joinSweep(dir, A)
    expect(readdirSync(join(dir, WRITERS))).toHaveLength(2)
    await member.leave()
    expect(readdirSync(join(dir, WRITERS))).toHaveLength(1)
  })

  it('refuses a sweep of other settings while a writer of another sweep is alive, naming it', async () => {
    const dir = join(root, 'taken')
    mkdirSync(dir)
    register(dir, A, { pid: livePid }, Date.now() - 1000)
    await expect(joinSweep(dir, B)).rejects.toMatchObject({
      exitCode: 2, message: expect.stringMatching(new RegExp(`is being written by another sweep with other settings or another grid \\(pid ${livePid} on this host`)),
    })
    expect(readdirSync(join(dir, WRITERS))).toHaveLength(1)
  })

  it('of two sweeps registering at once, the one registered first goes on', async () => {
    const dir = join(root, 'later')
    mkdirSync(dir)
    register(dir, A, { pid: livePid }, Date.now() + 60_000)
    const member = await joinSweep(dir, B)
    await member.leave()
  })

  it('an established writer holds the folder whatever the clocks say', async () => {
    const dir = join(root, 'established')
    mkdirSync(dir)
    register(dir, A, { pid: livePid, established: true } as never, Date.now() + 60_000)
    await expect(joinSweep(dir, B)).rejects.toThrow(/is being written by another sweep/)
  })

  it('takes over, with a message, the register of a writer that is gone', async () => {
    const dir = join(root, 'stale')
    mkdirSync(dir)
    const dead = spawnSync(process.execPath, ['-e', '']).pid!
    register(dir, A, { pid: dead }, Date.now() - 1000)
    const notices: string[] = []
    const member = await joinSweep(dir, B, { notice: (m) => notices.push(m) })
    expect(notices).toEqual([expect.stringMatching(new RegExp(`taking over the sweep folder .*stale: its writer pid ${dead} on this host, .* is no longer running`))])
    await member.leave()
    expect(existsSync(join(dir, WRITERS))).toBe(false)
  })

  it('an auto-named folder is made exclusively; a folder it made and left empty is removed again', async () => {
    const dir = join(root, 'auto')
    mkdirSync(dir)
    const member = await joinSweep(dir, A, { exclusive: true })
    expect(member.dir).toBe(`${dir}-2`)
    await member.leave()
    expect(existsSync(`${dir}-2`)).toBe(false)
    expect(existsSync(dir)).toBe(true)
  })
})
