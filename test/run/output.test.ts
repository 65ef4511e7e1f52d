import { mkdirSync, mkdtempSync, writeFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { chooseRunDir, createRunDir } from '../../src/run/output.ts'

const root = mkdtempSync(join(tmpdir(), 'tc-out-'))
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

  it('refuses an explicit folder with files unless forced', async () => {
    const full = join(root, 'full')
    mkdirSync(full)
    writeFileSync(join(full, 'run.json'), '{}')
    await expect(chooseRunDir({ explicit: full, parent: root, name: 'x' })).rejects.toThrow(/--output: .*full already exists and is not empty.*--force/)
    expect(await chooseRunDir({ explicit: full, parent: root, name: 'x', force: true })).toBe(full)
  })

  it('refuses a parent that is a file', async () => {
    writeFileSync(join(root, 'afile'), '')
    await expect(chooseRunDir({ explicit: join(root, 'afile', 'run'), parent: root, name: 'x' })).rejects.toThrow(/cannot be created/)
  })
})

describe('createRunDir', () => {
  it('replaces an existing folder only when forced', async () => {
    const dir = join(root, 'forced')
    mkdirSync(dir)
    writeFileSync(join(dir, 'old.txt'), 'x')
    await expect(createRunDir(dir)).rejects.toThrow(/nothing was overwritten/)
    await createRunDir(dir, true)
    expect(readdirSync(dir)).toEqual([])
  })
})
