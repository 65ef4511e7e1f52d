import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_START_TIMEOUT_S, MAX_TIMER_MS, fireAt, startDeadline, startTimeoutSeconds, type Clock } from '../../src/python/startup.ts'

/** A clock that moves only when told: timers fire in `advance`, never on their own. */
function manualClock() {
  let now = 1_000_000
  const timers = new Set<{ at: number; fire: () => void }>()
  const delays: number[] = []
  const clock: Clock = {
    now: () => now,
    setTimeout(fire, ms) {
      delays.push(ms)
      const timer = { at: now + ms, fire }
      timers.add(timer)
      return timer
    },
    clearTimeout: (timer) => void timers.delete(timer as { at: number; fire: () => void }),
  }
  /** Moves the time on by `ms`, firing each timer that falls due on the way, in order. */
  const advance = (ms: number) => {
    const until = now + ms
    for (;;) {
      const due = [...timers].filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0]
      if (!due) break
      timers.delete(due)
      now = due.at
      due.fire()
    }
    now = until
  }
  return { clock, advance, delays, pending: () => timers.size }
}

describe('start-up deadline', () => {
  it.each([
    [undefined, DEFAULT_START_TIMEOUT_S],
    ['', DEFAULT_START_TIMEOUT_S],
    ['300', 300],
    ['0.5', 0.5],
    // Longer than one Node timer reaches (24.8 days): a long wait is what was asked for.
    ['3000000', 3_000_000],
    ['1e12', 1e12],
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
    const deadline = startDeadline('/usr/bin/python3', 10, undefined, { now: () => now, setTimeout, clearTimeout })
    now = 10_000
    // The deadline's own rejection is the marker: a machine however busy only delays it.
    const waited = deadline.race(new Promise(() => {}), 'the versions')
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

  describe('beyond one timer\'s reach', () => {
    const DAY_MS = 86_400_000

    it.each([
      ['3000000 s (34.7 days)', 3_000_000_000],
      ['exactly one timer', MAX_TIMER_MS],
      ['a year', 365 * DAY_MS],
      ['ten years', 3650 * DAY_MS],
    ])('%s: fires at the deadline, not before, through timers Node can hold', (_, ms) => {
      const { clock, advance, delays, pending } = manualClock()
      let fired = 0
      fireAt(clock.now() + ms, () => fired++, clock)
      advance(ms - 1)
      expect(fired).toBe(0)
      expect(pending()).toBe(1)
      advance(1)
      expect(fired).toBe(1)
      expect(pending()).toBe(0)
      expect(delays.every((d) => d >= 0 && d <= MAX_TIMER_MS)).toBe(true)
    })

    it('a deadline already past fires on the next timer, as a short one does', () => {
      const { clock, advance } = manualClock()
      let fired = 0
      fireAt(clock.now() - 5, () => fired++, clock)
      expect(fired).toBe(0)
      advance(0)
      expect(fired).toBe(1)
    })

    it('cancelling stops the chain wherever it is', () => {
      const { clock, advance, pending } = manualClock()
      let fired = 0
      const cancel = fireAt(clock.now() + 3 * MAX_TIMER_MS, () => fired++, clock)
      advance(MAX_TIMER_MS + 10)
      cancel()
      expect(pending()).toBe(0)
      advance(10 * MAX_TIMER_MS)
      expect(fired).toBe(0)
    })

    it('a start-up deadline of 3000000 s rejects only once it has passed', async () => {
      const { clock, advance } = manualClock()
      const waiting = startDeadline('/py', 3_000_000, undefined, clock).race(new Promise(() => {}), 'the import')
      let settled = false
      waiting.catch(() => (settled = true))
      advance(3_000_000_000 - 1)
      await Promise.resolve()
      expect(settled).toBe(false)
      advance(1)
      await expect(waiting).rejects.toMatchObject({ code: 'ENVIRONMENT', message: expect.stringMatching(/^\/py did not finish starting within 3000000 s/) })
    })

    describe('on the real clock', () => {
      const warnings: Error[] = []
      const listen = (warning: Error) => void warnings.push(warning)
      afterEach(() => void process.off('warning', listen))

      it('sets no timer Node would cut short: no TimeoutOverflowWarning, and work still comes through', async () => {
        process.on('warning', listen)
        await expect(startDeadline('/py', 3_000_000).race(Promise.resolve('started'), 'the import')).resolves.toBe('started')
        // Node emits its warnings on the next tick.
        await new Promise((resolve) => setImmediate(resolve))
        expect(warnings.map((w) => w.name)).not.toContain('TimeoutOverflowWarning')
      })
    })
  })
})
