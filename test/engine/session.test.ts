import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config/load.ts'
import { PythonSession } from '../../src/engine/session.ts'
import { TeacacheError } from '../../src/errors.ts'
import { TINY_CONFIG } from '../helpers/configs.ts'

/**
 * The one owner of a Python session's life, as far as it can be seen without starting Python (the
 * integration tests start it through every command: run, sweep, plan, calibrate, bench, report --lpips,
 * and stop it with signals in each).
 */
const config = parseConfig(TINY_CONFIG, '/tmp/tiny.yaml')

describe('PythonSession', () => {
  it('lists Python\'s start and the model\'s load as the first steps, and one warm-up per kind of block', async () => {
    const session = new PythonSession()
    try {
      expect(session.openSteps(config, { kind: 'tiny', load: 'tiny', task: 't2v', pipelineClass: 'CogVideoXPipeline', customComponents: [] }).map((s) => s.title)).toEqual(['Start Python', 'Load tiny'])
      const warmups = session.warmupSteps([{ config }, { config: { ...config, compile: 'blocks' } }, { config }])
      expect(warmups.map((s) => s.title)).toEqual([expect.stringMatching(/^Warm up \(2 untimed steps and a decode, then/), expect.stringMatching(/compiling the blocks/)])
    } finally {
      await session.close()
    }
  })

  it('has no model before its load step ran, and says so rather than handing out undefined', async () => {
    const session = new PythonSession()
    try {
      expect(session.isLoaded).toBe(false)
      expect(() => session.loaded).toThrow('the model is not loaded yet')
      expect(session.warmup).toBeNull()
    } finally {
      await session.close()
    }
  })

  it('ends a command with its own error when no signal came, and closing twice is harmless', async () => {
    const session = new PythonSession()
    const error = new TeacacheError('PYTHON', 'boom')
    expect(session.failure(error, 'nothing written')).toBe(error)
    await session.close()
    await session.close()
  })
})
