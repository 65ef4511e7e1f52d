import { describe, expect, it } from 'vitest'
import { guardSteps, interruptedError } from '../../src/run/interruptible.ts'
import type { Step } from '../../src/run/progress.ts'
import type { Shutdown } from '../../src/run/signals.ts'

const shutdownBy = (signal: NodeJS.Signals | undefined, exitCode = 0): Shutdown => ({ signal, exitCode, dispose: () => {} })
const noop = () => {}

describe('interruptedError', () => {
  it.each([
    [shutdownBy('SIGINT', 130), undefined, 'interrupted by SIGINT', 130],
    [shutdownBy('SIGTERM', 143), 'no plan printed', 'interrupted by SIGTERM; no plan printed', 143],
  ])('%#: says which signal and what became of the output, with its exit code', (shutdown, detail, message, exitCode) => {
    const error = interruptedError(shutdown, detail)
    expect(error).toMatchObject({ code: 'INTERRUPTED', message, exitCode })
  })
})

describe('guardSteps', () => {
  it('runs each step while no signal came', async () => {
    const ran: string[] = []
    const steps: Step[] = ['a', 'b'].map((title) => ({ title, run: async () => void ran.push(title) }))
    for (const step of guardSteps(steps, shutdownBy(undefined))) await step.run(noop, noop)
    expect(ran).toEqual(['a', 'b'])
  })

  it('refuses to begin a step once a signal came (nothing was running for it to stop)', async () => {
    let ran = false
    const [step] = guardSteps([{ title: 'load', run: async () => void (ran = true) }], shutdownBy('SIGINT', 130))
    await expect(step.run(noop, noop)).rejects.toMatchObject({ code: 'INTERRUPTED', message: 'interrupted by SIGINT', exitCode: 130 })
    expect(ran).toBe(false)
  })
})
