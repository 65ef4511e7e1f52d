import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { hold } from './hold.ts'

/** The test side of the hold (the Python side: python/tests/test_hold.py), with markers written by hand. */
const folderOf = (env: NodeJS.ProcessEnv) => /^\d+:(.+)$/.exec(env.TEACACHE_TEST_HOLD!)![1]
const never = new Promise<never>(() => {})

describe('hold', () => {
  it('names the step and a fresh folder of its own', () => {
    const [a, b] = [hold(3), hold(3)]
    expect(a.env.TEACACHE_TEST_HOLD).toMatch(/^3:\//)
    expect(folderOf(a.env)).not.toBe(folderOf(b.env))
    expect(readdirSync(folderOf(a.env))).toEqual([])
  })

  it('reached: the pids of the holding Pythons once there are enough', async () => {
    const held = hold()
    const reached = held.reached(never, 2)
    writeFileSync(join(folderOf(held.env), 'held-101'), '1\n')
    writeFileSync(join(folderOf(held.env), 'held-202'), '1\n')
    expect((await reached).sort()).toEqual([101, 202])
    expect(held.held().sort()).toEqual([101, 202])
  })

  it('reached fails with the command\'s stderr when the command ends first', async () => {
    await expect(hold(2).reached(Promise.resolve({ stderr: 'teacache: boom\n' }))).rejects.toThrow('the command ended before 1 Python(s) reached step 2: teacache: boom')
  })

  it('letGo removes that Python\'s marker only; release lets every loop go', () => {
    const held = hold()
    const folder = folderOf(held.env)
    for (const pid of [1, 2]) writeFileSync(join(folder, `held-${pid}`), '1\n')
    held.letGo(1)
    expect(held.held()).toEqual([2])
    held.release()
    held.release()
    expect(existsSync(join(folder, 'release'))).toBe(true)
  })
})
