import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { constants, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TeacacheError } from '../../src/errors.ts'
import { dropWritesAfterExit, type PythonFailure, translate, unwrap } from '../../src/python/bridge.ts'

const traceback = 'Traceback (most recent call last):\n  ...\nRuntimeError: boom'
const failure: PythonFailure = { kind: 'RuntimeError', message: 'boom', input: false, out_of_memory: false, errno: null, traceback_path: null, traceback }

/** An entry's failed answer as teacache.answers.entry writes it, its traceback in a file of `folder`. */
function answer(folder: string, changes: Partial<PythonFailure>): string {
  const path = join(folder, 'teacache-traceback-x.txt')
  writeFileSync(path, traceback)
  return JSON.stringify({ ok: false, error: { ...failure, traceback: null, traceback_path: path, ...changes } })
}

describe('unwrap', () => {
  let folder: string
  beforeEach(() => void (folder = mkdtempSync(join(tmpdir(), 'tc-bridge-'))))
  afterEach(() => rmSync(folder, { recursive: true, force: true }))

  it('returns the value of an answer that is ok', async () => {
    await expect(unwrap(JSON.stringify({ ok: true, value: { seconds: 1.5, cached: false } }))).resolves.toEqual({ seconds: 1.5, cached: false })
  })

  it.each([
    [{}, 'PYTHON', 'RuntimeError: boom', 1],
    [{ kind: 'InputError', message: 'device: "cuda" was asked for but torch sees no CUDA device', input: true }, 'INPUT', 'device: "cuda" was asked for but torch sees no CUDA device', 2],
    [
      { kind: 'OutOfMemoryError', message: 'CUDA out of memory. Tried to allocate 2.00 GiB', out_of_memory: true },
      'PYTHON',
      'OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB (out of memory: turn on vae_tiling and vae_slicing, set cpu_offload: model or sequential, or lower frames/height/width)',
      1,
    ],
    [{ kind: 'PermissionError', message: 'denied', errno: 13 }, 'PYTHON', 'PermissionError: denied', 1],
  ])('a failure %j: its code and message, the traceback file read into details and deleted', async (changes, code, message, exitCode) => {
    const error = await unwrap(answer(folder, changes as Partial<PythonFailure>)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TeacacheError)
    expect(error).toMatchObject({ code, message, exitCode, details: traceback })
    expect(readdirSync(folder)).toEqual([])
  })

  it.each([
    [28, 'no space left on the device (ENOSPC)'],
    [constants.errno.EDQUOT, 'disk quota exceeded (EDQUOT)'],
  ])('an OSError with errno %d is a full disk, naming the folder the call wrote into', async (errno, what) => {
    const error = await unwrap(answer(folder, { kind: 'OSError', message: `[Errno ${errno}] ...`, errno }), '/runs/a/frames').catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'DISK', exitCode: 1, message: `${what} in /runs/a/frames: free some space there or write the output elsewhere`, details: traceback })
  })

  it('takes the traceback inline when Python could write no file for it', async () => {
    const error = await unwrap(JSON.stringify({ ok: false, error: failure })).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'PYTHON', message: 'RuntimeError: boom', details: traceback })
  })
})

describe('translate', () => {
  it('keeps the last line of what pythonia raised, minus colours and decoration', () => {
    const error = new Error('')
    error.stack = "*** PY *** Python Error\n\u001b[1m*** JS *** ModuleNotFoundError: No module named 'torch'\u001b[22m"
    expect((translate(error) as TeacacheError).message).toBe("Python bridge error: ModuleNotFoundError: No module named 'torch'")
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
