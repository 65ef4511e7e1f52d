import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openPythonLog } from '../../src/engine/python-log.ts'
import { tempDir } from '../helpers/temp.ts'

describe('the Python log', () => {
  it('lives in the first usable temp folder, under a name of its own', () => {
    const dir = tempDir('tc-log-')
    const file = join(dir, 'a-file')
    writeFileSync(file, '')
    const log = openPythonLog([join(file, 'tmp'), dir])
    expect(log.path).toMatch(new RegExp(`^${dir}/teacache-python-${process.pid}-[0-9a-f]{6}\\.log$`))
    expect(openPythonLog([dir]).path).not.toBe(log.path)
    expect(readdirSync(dir).filter((n) => n.endsWith('.log'))).toHaveLength(2)
  })

  it('is no log at all when no temp folder can take one', () => {
    const dir = tempDir('tc-log-')
    writeFileSync(join(dir, 'a-file'), '')
    expect(openPythonLog([join(dir, 'a-file', 'x')]).path).toBeNull()
  })
})
