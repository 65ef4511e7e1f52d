import { spawnSync } from 'node:child_process'
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { acquireLock, bootId, createExclusive, currentOwner, LockHeldError, ownerGone } from '../../src/util/lock.ts'
import { tempDir } from '../helpers/temp.ts'

const root = tempDir('tc-lock-')
/** The pid of a process that has certainly exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!

describe('lock files', () => {
  it('of many acquirers at once exactly one gets the lock; the others learn who holds it', async () => {
    const path = join(root, 'race.lock')
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => acquireLock(path)))
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(LockHeldError)
      expect((r as PromiseRejectedResult).reason.owner).toMatchObject({ pid: process.pid, host: hostname() })
    }
    await (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireLock>>>).value.release()
    expect(readdirSync(root)).not.toContain('race.lock')
  })

  it('takes over, with a notice, a lock whose process is gone', async () => {
    const path = join(root, 'stale.lock')
    const dead = { ...currentOwner(), pid: deadPid() }
    writeFileSync(path, JSON.stringify(dead))
    const notices: string[] = []
    const lock = await acquireLock(path, (m) => notices.push(m))
    expect(notices).toEqual([expect.stringMatching(new RegExp(`taking over .*stale\\.lock: its owner \\(pid ${dead.pid} on this host, .*\\) is no longer running`))])
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid)
    await lock.release()
  })

  it.each([
    { what: 'a live process on this host', owner: () => ({ ...currentOwner() }), gone: false },
    { what: 'a dead process on this host', owner: () => ({ ...currentOwner(), pid: deadPid() }), gone: true },
    { what: 'a process on another host (cannot be checked: alive)', owner: () => ({ ...currentOwner(), host: 'elsewhere', pid: deadPid() }), gone: false },
    { what: 'a process from before a reboot', owner: () => ({ ...currentOwner(), boot_id: 'another-boot' }), gone: bootId() !== null },
  ])('an owner that is $what is gone: $gone', ({ owner, gone }) => {
    expect(ownerGone(owner())).toBe(gone)
  })

  it('refuses a lock file that does not name its owner (never guesses it is stale)', async () => {
    const path = join(root, 'garbage.lock')
    writeFileSync(path, 'not json')
    await expect(acquireLock(path)).rejects.toThrow(/does not name its owner; remove it if no teacache process is using the folder/)
  })

  it('release never removes a lock another process has taken over', async () => {
    const path = join(root, 'taken.lock')
    const lock = await acquireLock(path)
    writeFileSync(path, JSON.stringify({ ...currentOwner(), token: 'someone-else' }))
    await lock.release()
    expect(JSON.parse(readFileSync(path, 'utf8')).token).toBe('someone-else')
  })

  it('creates a file exclusively and complete', async () => {
    const path = join(root, 'once.json')
    expect(await createExclusive(path, 'first')).toBe(true)
    expect(await createExclusive(path, 'second')).toBe(false)
    expect(readFileSync(path, 'utf8')).toBe('first')
    expect(readdirSync(root).filter((n) => n.endsWith('.tmp'))).toEqual([])
  })
})
