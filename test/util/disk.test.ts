import { readdirSync } from 'node:fs'
import { promises as fs } from 'node:fs'
import { constants } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { TeacacheError } from '../../src/errors.ts'
import { spaceChecked, spaceCode, spaceCodeOfErrno, spaceErrorOr } from '../../src/util/disk.ts'
import { makeDirs, writeFileAtomic } from '../../src/util/fs.ts'
import { tempDir } from '../helpers/temp.ts'

const enospc = (path = '/x/f') => Object.assign(new Error(`ENOSPC: no space left on device, write '${path}'`), { code: 'ENOSPC', errno: -28, path })

describe('full disks', () => {
  afterEach(() => vi.restoreAllMocks())

  it.each([
    [enospc(), 'ENOSPC'],
    [Object.assign(new Error('quota'), { code: 'EDQUOT' }), 'EDQUOT'],
    [Object.assign(new Error('big'), { code: 'EFBIG' }), 'EFBIG'],
    [Object.assign(new Error('denied'), { code: 'EACCES' }), null],
    [new Error('plain'), null],
    [null, null],
  ])('spaceCode(%s) is %s', (error, code) => {
    expect(spaceCode(error)).toBe(code)
  })

  it('maps Python\'s errno numbers in this platform\'s numbering', () => {
    expect(spaceCodeOfErrno(constants.errno.ENOSPC)).toBe('ENOSPC')
    expect(spaceCodeOfErrno(constants.errno.EDQUOT)).toBe('EDQUOT')
    expect(spaceCodeOfErrno(constants.errno.EACCES)).toBeNull()
    expect(spaceCodeOfErrno(null)).toBeNull()
  })

  it('becomes one DISK line naming the folder, exit 1; other errors pass on', async () => {
    await expect(spaceChecked('/runs/a', async () => { throw enospc() })).rejects.toMatchObject({
      code: 'DISK', exitCode: 1, message: 'no space left on the device (ENOSPC) in /runs/a: free some space there or write the output elsewhere',
    })
    const other = new Error('other')
    expect(spaceErrorOr(other, '/x', () => other)).toBe(other)
    const own = new TeacacheError('OUTPUT', 'mine')
    expect(spaceErrorOr(own, '/x', () => null)).toBe(own)
  })

  it('an atomic write on a full disk leaves neither the file nor its temporary', async () => {
    const dir = tempDir('tc-disk-')
    const writeFile = fs.writeFile
    vi.spyOn(fs, 'writeFile').mockImplementation(async (path, data) => {
      await writeFile(path as string, String(data).slice(0, 4))
      throw enospc(String(path))
    })
    await expect(writeFileAtomic(join(dir, 'run.json'), '{"a": 1}')).rejects.toMatchObject({ code: 'DISK', message: expect.stringContaining(`in ${dir}:`) })
    expect(readdirSync(dir)).toEqual([])
  })

  it('makeDirs fails, never spins, where mkdir cannot create under an existing parent', async () => {
    const dir = tempDir('tc-disk-')
    await makeDirs(join(dir, 'a', 'b', 'c'))
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['c'])
    if (process.platform === 'linux') await expect(makeDirs('/proc/teacache-test/x')).rejects.toMatchObject({ code: expect.stringMatching(/ENOENT|EACCES|EPERM/) })
  })
})
