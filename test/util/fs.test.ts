import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { readJson, readProblem, readRegularFile } from '../../src/util/fs.ts'
import { releaseFifo } from '../helpers/fifo.ts'
import { tempDir } from '../helpers/temp.ts'

/**
 * Files the user names are read only when they are regular files: a FIFO with no writer would
 * block the read for ever. (The synchronous reader blocks this process if it regresses: it is
 * tested through the CLI, in a child, in test/integration/flags.test.ts.)
 */
describe('reading a file the user named', () => {
  const dir = tempDir('tc-fs-')
  const fifo = join(dir, 'pipe')
  let server: Server | undefined
  afterEach(async () => {
    releaseFifo(fifo)
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
    server = undefined
  })

  it('reads a regular file', async () => {
    writeFileSync(join(dir, 'a.json'), '{"a": 1}\n')
    expect(await readRegularFile(join(dir, 'a.json'))).toBe('{"a": 1}\n')
    expect(await readJson(join(dir, 'a.json'))).toEqual({ a: 1 })
  })

  it('refuses a FIFO with no writer at once', async () => {
    execFileSync('mkfifo', [fifo])
    const error = await readRegularFile(fifo).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'ENOTREG', path: fifo })
    expect(readProblem(error)).toBe('a FIFO (named pipe), not a regular file')
    await expect(readJson(fifo)).rejects.toMatchObject({ code: 'ENOTREG' })
  })

  it('refuses a Unix socket', async () => {
    const socket = join(dir, 'socket')
    server = createServer()
    await new Promise<void>((resolve) => server!.listen(socket, resolve))
    const error = await readRegularFile(socket).catch((e: unknown) => e)
    expect(readProblem(error)).toBe('a socket, not a regular file')
  })

  it.each([
    ['a folder', () => dir, 'a folder, not a regular file'],
    ['a device', () => '/dev/null', 'a device, not a regular file'],
    ['a missing file', () => join(dir, 'nope'), 'no such file'],
  ])('words %s', async (_, path, problem) => {
    expect(readProblem(await readRegularFile(path()).catch((e: unknown) => e))).toBe(problem)
  })
})
