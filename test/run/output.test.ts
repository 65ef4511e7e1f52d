import { mkdirSync, writeFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { chooseRunDir, createRunDir } from '../../src/run/output.ts'
import { tempDir } from '../helpers/temp.ts'

const root = tempDir('tc-out-')
const now = new Date(2026, 10, 25, 9, 8, 7)

describe('chooseRunDir', () => {
  it('names a new dated folder under the parent and writes nothing', async () => {
    const parent = join(root, 'outputs')
    expect(await chooseRunDir({ parent, name: 'tiny', now })).toBe(join(parent, 'tiny-20261125-090807'))
    expect(readdirSync(root)).not.toContain('outputs')
  })

  it('never reuses an existing dated folder', async () => {
    const parent = join(root, 'taken')
    mkdirSync(join(parent, 'tiny-20261125-090807'), { recursive: true })
    expect(await chooseRunDir({ parent, name: 'tiny', now })).toBe(join(parent, 'tiny-20261125-090807-2'))
  })

  it('accepts an explicit folder that is new or empty', async () => {
    mkdirSync(join(root, 'empty'))
    expect(await chooseRunDir({ explicit: join(root, 'empty'), parent: root, name: 'x' })).toBe(join(root, 'empty'))
    expect(await chooseRunDir({ explicit: join(root, 'new', 'deeper'), parent: root, name: 'x' })).toBe(join(root, 'new', 'deeper'))
  })

  it('refuses an explicit folder with files unless forced, and forced only a run folder teacache made', async () => {
    const full = join(root, 'full')
    mkdirSync(join(full, 'frames'), { recursive: true })
    writeFileSync(join(full, 'run.json'), JSON.stringify({ format: 'teacache-run/1', status: 'failed' }))
    writeFileSync(join(full, 'frames', 'frame_00000.png'), 'png')
    await expect(chooseRunDir({ explicit: full, parent: root, name: 'x' })).rejects.toThrow(/--output: .*full already exists and is not empty.*--force/)
    expect(await chooseRunDir({ explicit: full, parent: root, name: 'x', force: true })).toBe(full)
    writeFileSync(join(full, 'notes.md'), 'mine')
    await expect(chooseRunDir({ explicit: full, parent: root, name: 'x', force: true })).rejects.toMatchObject({
      exitCode: 2, message: expect.stringMatching(/--force replaces only a run folder teacache made, and .*full is not one: it holds files teacache did not write \(notes\.md\)/),
    })
  })

  it('refuses a path longer than the system allows before anything starts', async () => {
    await expect(chooseRunDir({ explicit: join(root, 'a'.repeat(300)), parent: root, name: 'x' })).rejects.toThrow(/--output: a folder or file name in the path is too long \(300 bytes/)
    const deep = join(root, ...Array.from({ length: 40 }, () => 'b'.repeat(120)))
    await expect(chooseRunDir({ explicit: deep, parent: root, name: 'x' })).rejects.toThrow(/--output: the path is too long/)
    await expect(chooseRunDir({ parent: deep, name: 'x' })).rejects.toThrow(/^output: the path is too long/)
  })

  it('refuses a parent that is a file', async () => {
    writeFileSync(join(root, 'afile'), '')
    await expect(chooseRunDir({ explicit: join(root, 'afile', 'run'), parent: root, name: 'x' })).rejects.toThrow(/cannot be created/)
  })
})

describe('createRunDir', () => {
  it('creates a new folder exclusively and holds its lock until released', async () => {
    const dir = join(root, 'locked')
    const claimed = await createRunDir(dir)
    expect(readdirSync(dir)).toEqual(['.teacache-lock'])
    await expect(createRunDir(dir)).rejects.toThrow(/another teacache process is writing .*locked \(pid \d+ on /)
    await claimed.release()
    expect(readdirSync(dir)).toEqual([])
  })

  it('takes the next name for an auto-named folder another process made meanwhile', async () => {
    const dir = join(root, 'auto-20260101-000000')
    const [a, b, c] = await Promise.all([createRunDir(dir, { auto: true }), createRunDir(dir, { auto: true }), createRunDir(dir, { auto: true })])
    expect([a.dir, b.dir, c.dir].sort()).toEqual([dir, `${dir}-2`, `${dir}-3`])
  })

  it('replaces, when forced, only the entries of a run folder teacache made', async () => {
    const dir = join(root, 'teacache-made')
    mkdirSync(join(dir, 'frames'), { recursive: true })
    for (const file of ['run.json', 'video.mp4', 'error.txt', 'frames/frame_00000.png', 'frames/frame_00001.png']) writeFileSync(join(dir, file), file === 'run.json' ? '{"format":"teacache-run/1"}' : 'x')
    const claimed = await createRunDir(dir, { force: true, requireRecord: true })
    expect(readdirSync(dir)).toEqual(['.teacache-lock'])
    await claimed.release()
  })

  it('refuses an existing folder with other files even when forced', async () => {
    const dir = join(root, 'forced')
    mkdirSync(dir)
    writeFileSync(join(dir, 'old.txt'), 'x')
    await expect(createRunDir(dir)).rejects.toThrow(/nothing was overwritten/)
    await expect(createRunDir(dir, { force: true })).rejects.toThrow(/forced.*would be replaced, but it is not a run folder teacache made: it holds files teacache did not write \(old\.txt\); nothing was removed/)
    expect(readdirSync(dir)).toEqual(['old.txt'])
  })
})
