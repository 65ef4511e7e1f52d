import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import checkTemp from './temp-check.ts'
import { removeLater, removeTempDirs, tempDir } from './temp.ts'

/** The suite's own hygiene: test folders go after their file, and the run fails on anything left. */
describe('tempDir', () => {
  it('makes fresh folders in the temp folder; removeTempDirs removes them and what removeLater was given', () => {
    const [a, b] = [tempDir('tc-a-'), tempDir('tc-a-')]
    expect(a).not.toBe(b)
    expect(a.startsWith(join(tmpdir(), 'tc-a-'))).toBe(true)
    mkdirSync(join(a, 'deep', 'er'), { recursive: true })
    writeFileSync(join(a, 'deep', 'er', 'f'), 'x')
    const log = removeLater(join(tmpdir(), `tc-log-${process.pid}.log`))
    writeFileSync(log, 'kept by a killed run')
    removeTempDirs()
    expect([a, b, log].filter((path) => existsSync(path))).toEqual([])
  })
})

describe('the run\'s temp folder check (vitest globalSetup)', () => {
  const exitCode = process.exitCode
  afterEach(() => {
    process.exitCode = exitCode
    vi.restoreAllMocks()
  })

  it.each([
    { what: 'nothing left', make: [] as string[], fails: false },
    { what: 'only tsx\'s cache left', make: ['tsx-0'], fails: false },
    { what: 'a folder and a log left', make: ['tc-x-abc/', 'teacache-python-1.log', 'tsx-0'], fails: true },
  ])('$what: the folder is removed, TMPDIR restored, the run fails: $fails', ({ make, fails }) => {
    const outer = process.env.TMPDIR
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    const teardown = checkTemp()
    const folder = tmpdir()
    expect(folder).not.toBe(outer)
    expect(readdirSync(folder)).toEqual([])
    for (const name of make) {
      if (name.endsWith('/')) mkdirSync(join(folder, name))
      else writeFileSync(join(folder, name), '')
    }
    teardown()
    expect(existsSync(folder)).toBe(false)
    expect(process.env.TMPDIR).toBe(outer)
    expect(process.exitCode).toBe(fails ? 1 : exitCode)
    const said = stderr.mock.calls.map(([text]) => String(text)).join('')
    if (fails) expect(said).toMatch(/the run left 2 thing\(s\) in the temp folder: tc-x-abc, teacache-python-1\.log\n.*tempDir\(\) from test\/helpers\/temp\.ts/)
    else expect(said).toBe('')
  })
})
