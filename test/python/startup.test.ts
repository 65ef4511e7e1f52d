import { describe, expect, it } from 'vitest'
import { DEFAULT_START_TIMEOUT_S, startDeadline, startTimeoutSeconds } from '../../src/python/startup.ts'

describe('start-up deadline', () => {
  it.each([
    [undefined, DEFAULT_START_TIMEOUT_S],
    ['', DEFAULT_START_TIMEOUT_S],
    ['300', 300],
    ['0.5', 0.5],
  ])('TEACACHE_START_TIMEOUT=%j waits %d s', (value, seconds) => {
    expect(startTimeoutSeconds({ TEACACHE_START_TIMEOUT: value })).toBe(seconds)
  })

  it.each(['0', '-1', 'two minutes', 'Infinity'])('TEACACHE_START_TIMEOUT=%s is a config error', (value) => {
    expect(() => startTimeoutSeconds({ TEACACHE_START_TIMEOUT: value })).toThrow(expect.objectContaining({ code: 'CONFIG', exitCode: 2 }))
  })

  it('lets work that finishes in time through', async () => {
    await expect(startDeadline('/py', 5).race(Promise.resolve(42), 'x')).resolves.toBe(42)
  })

  it('one deadline for the whole start-up: time spent earlier counts', async () => {
    let now = 0
    const deadline = startDeadline('/usr/bin/python3', 10, undefined, () => now)
    now = 10_000
    const waited = Promise.race([deadline.race(new Promise(() => {}), 'the versions'), new Promise((r) => setTimeout(() => r('still waiting'), 2000))])
    await expect(waited).rejects.toMatchObject({
      code: 'ENVIRONMENT', exitCode: 3, message: expect.stringMatching(/^\/usr\/bin\/python3 did not finish starting within 10 s \(still waiting for the versions\)/),
    })
  })

  it('a signal ends the wait at once', async () => {
    const abort = new AbortController()
    const waiting = startDeadline('/py', 600, abort.signal).race(new Promise(() => {}), 'the import')
    abort.abort()
    await expect(waiting).rejects.toMatchObject({ code: 'INTERRUPTED', message: 'stopped while Python was starting (the import)' })
  })
})
