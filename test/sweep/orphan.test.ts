import { describe, expect, it, vi } from 'vitest'
import { ignoreClosedPipe, watchParent, WORKER_PARENT_ENV } from '../../src/sweep/orphan.ts'

describe('a --devices worker watching its parent', () => {
  it('stops (as on SIGTERM) once its stdin pipe from the parent closes, saying why, once', () => {
    const stop = vi.fn()
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    const unwatch = watchParent({ [WORKER_PARENT_ENV]: '4242' }, stop)
    process.stdin.emit('end')
    process.stdin.emit('end')
    unwatch()
    const said = write.mock.calls.map((c) => String(c[0]))
    write.mockRestore()
    expect(stop).toHaveBeenCalledTimes(1)
    expect(said).toEqual([expect.stringMatching(/^teacache: the parent sweep process \(pid 4242\) is gone \(its pipe closed\); stopping as on SIGTERM/)])
  })

  it('watches nothing when it is not a worker', () => {
    const stop = vi.fn()
    watchParent({}, stop)()
    process.stdin.emit('end')
    expect(stop).not.toHaveBeenCalled()
  })

  it('stops watching when the sweep is done', () => {
    const stop = vi.fn()
    watchParent({ [WORKER_PARENT_ENV]: '1' }, stop)()
    process.stdin.emit('end')
    expect(stop).not.toHaveBeenCalled()
  })

  it('outlives the EPIPE of printing to its dead parent, so that it can still record its run', () => {
    watchParent({ [WORKER_PARENT_ENV]: '7' }, vi.fn())()
    watchParent({ [WORKER_PARENT_ENV]: '7' }, vi.fn())()
    for (const stream of [process.stdout, process.stderr]) expect(stream.listeners('error').filter((l) => l === ignoreClosedPipe)).toHaveLength(1)
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })
    expect(() => process.stderr.emit('error', epipe)).not.toThrow()
    expect(() => process.stdout.emit('error', epipe)).not.toThrow()
    // Any other failure of the streams is still an error.
    expect(() => ignoreClosedPipe(Object.assign(new Error('disk'), { code: 'EIO' }))).toThrow('disk')
  })
})
