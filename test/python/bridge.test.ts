import type { ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { constants } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { TeacacheError } from '../../src/errors.ts'
import { dropWritesAfterExit, translate } from '../../src/python/bridge.ts'

/** How a failure that crossed the bridge is turned into one plain message (no Python is started here). */
function pythonError(payload: object): Error {
  const encoded = Buffer.from(JSON.stringify(payload)).toString('base64')
  const error = new Error('')
  // pythonia puts the traceback, with ANSI colours, in the stack; the message is empty.
  error.stack = `\u001b[31m*** PY ***\u001b[0m Python Error Call to 'denoise' failed:\n  at x (y.py:1)\n\u001b[1m*** JS *** BridgeError: TEACACHE_ERROR:${encoded}:END\u001b[22m`
  return error
}

const failure = { type: 'RuntimeError', message: 'boom', input: false, out_of_memory: false, traceback: 'Traceback (most recent call last):\n  ...\nRuntimeError: boom' }

describe('translate', () => {
  it.each([
    [failure, 'PYTHON', 'RuntimeError: boom', 1],
    [{ ...failure, type: 'InputError', message: 'device: "cuda" was asked for but torch sees no CUDA device', input: true }, 'INPUT', 'device: "cuda" was asked for but torch sees no CUDA device', 2],
    [
      { ...failure, type: 'OutOfMemoryError', message: 'CUDA out of memory. Tried to allocate 2.00 GiB', out_of_memory: true },
      'PYTHON',
      'OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB (out of memory: turn on vae_tiling and vae_slicing, set cpu_offload: model or sequential, or lower frames/height/width)',
      1,
    ],
  ])('%j', (payload, code, message, exitCode) => {
    const error = translate(pythonError(payload)) as TeacacheError
    expect(error).toBeInstanceOf(TeacacheError)
    expect(error).toMatchObject({ code, message, exitCode, details: payload.traceback })
  })

  it('keeps the last line of an error without the marker, minus colours and decoration', () => {
    const error = new Error('')
    error.stack = "*** PY *** Python Error\n\u001b[1m*** JS *** ModuleNotFoundError: No module named 'torch'\u001b[22m"
    expect((translate(error) as TeacacheError).message).toBe("Python bridge error: ModuleNotFoundError: No module named 'torch'")
  })

  it.each([
    [28, 'no space left on the device (ENOSPC)'],
    [constants.errno.EDQUOT, 'disk quota exceeded (EDQUOT)'],
  ])('an OSError with errno %d is a full disk, naming the folder the call wrote into', (errno, what) => {
    const payload = { ...failure, type: 'OSError', message: `[Errno ${errno}] ...`, errno }
    const error = translate(pythonError(payload), '/runs/a/frames') as TeacacheError
    expect(error).toMatchObject({ code: 'DISK', exitCode: 1, message: `${what} in /runs/a/frames: free some space there or write the output elsewhere`, details: payload.traceback })
  })

  it('an OSError of another errno stays a Python error', () => {
    expect(translate(pythonError({ ...failure, type: 'PermissionError', message: 'denied', errno: 13 }))).toMatchObject({ code: 'PYTHON', message: 'PermissionError: denied' })
  })

  it('passes TeacacheErrors through', () => {
    const own = new TeacacheError('PYTHON_DIED', 'gone')
    expect(translate(own)).toBe(own)
  })
})

describe('dropWritesAfterExit', () => {
  const fakeCom = (connected: boolean) => {
    const sent: unknown[] = []
    const com = {
      proc: { connected } as unknown as ChildProcess | null,
      // pythonia's own dereference the child, which its exit() nulls.
      write: (...args: unknown[]) => void sent.push((com.proc!.connected, args[0])),
      writeRaw: (...args: unknown[]) => void sent.push((com.proc!.connected, args[0])),
    }
    return { com, sent }
  }

  it('passes writes through while Python is connected', () => {
    const { com, sent } = fakeCom(true)
    dropWritesAfterExit(com)
    com.write({ r: 1 })
    com.writeRaw('x', 2, () => {})
    expect(sent).toEqual([{ r: 1 }, 'x'])
  })

  it.each([
    ['after exit() nulled the child', (com: ReturnType<typeof fakeCom>['com']) => void (com.proc = null)],
    ['once the channel has closed', (com: ReturnType<typeof fakeCom>['com']) => void ((com.proc as unknown as { connected: boolean }).connected = false)],
  ])('drops the answer to a late callback %s, instead of throwing', (_, end) => {
    const { com, sent } = fakeCom(true)
    dropWritesAfterExit(com)
    end(com)
    expect(() => com.write({ r: 3 })).not.toThrow()
    expect(() => com.writeRaw('y', 4, () => {})).not.toThrow()
    expect(sent).toEqual([])
  })
})

describe('the bridge is the only way to Python', () => {
  it('src/python/bridge.ts is the one module of src that imports pythonia', () => {
    const root = join(import.meta.dirname, '..', '..', 'src')
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => /\.(ts|mjs|js)$/.test(f))
    expect(files.length).toBeGreaterThan(50)
    const importers = files.filter((f) => /from 'pythonia'|import\('pythonia'\)/.test(readFileSync(join(root, f), 'utf8')))
    expect(importers).toEqual([join('python', 'bridge.ts')])
  })
})
