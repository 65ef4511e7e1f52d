import { describe, expect, it } from 'vitest'
import { makeVariant } from '../../src/methods/variant.ts'
import { checkMethodsOnModel, scheduleProblem } from '../../src/sweep/method-checks.ts'

const SIX = [999, 832, 666, 499, 332, 166]
const pab = (range: [number, number]) => makeVariant('pab', { spatial_attention_block_skip_range: 2, spatial_attention_timestep_skip_range: range })
const fbc = makeVariant('fbc', { threshold: 0.05 })

/** The two questions only a loaded model answers, asked of a stand-in. */
function engine(refusals: Record<string, string> = {}) {
  const asked: string[] = []
  return {
    asked,
    checkMethod: async (name: string, _params: Record<string, unknown>, steps: number) => (asked.push(`${name}/${steps}`), refusals[name] ?? null),
    indicatorTrace: async (steps: number) => ({ timesteps: SIX.slice(0, steps), distances: [] }),
  }
}

describe('method checks on the loaded model, before any run folder', () => {
  it('passes variants diffusers installs and whose schedule has a step to reuse', async () => {
    const e = engine()
    await expect(checkMethodsOnModel(e, [fbc, pab([100, 800])], { steps: 6, guidance_scale: 6 })).resolves.toBeUndefined()
    expect(e.asked).toEqual(['fbc/6', 'pab/6'])
  })

  it('refuses, all at once and saying why, those diffusers cannot install and those that would reuse nothing', async () => {
    const e = engine({ fbc: 'method: fbc: diffusers could not install it on X: list index out of range' })
    const error = await checkMethodsOnModel(e, [fbc, pab([1, 2])], { steps: 6, guidance_scale: 6 }).catch((caught) => caught)
    expect(error).toMatchObject({ code: 'CONFIG', exitCode: 2 })
    expect(error.message.split('\n')).toEqual([
      'methods: these cannot work with the loaded pipeline, and no run was made:',
      '  fbc0.05: refused: method: fbc: diffusers could not install it on X: list index out of range',
      expect.stringMatching(/^  pab-[0-9a-f]{8}: refused: PAB \[pab-[0-9a-f]{8}\] reuses nothing on any of the 6 steps of this schedule \(timesteps 999, 832, 666, 499, 332, 166\) with these parameters, so it would compute everything/),
    ])
  })

  it('asks nothing when there are no methods', async () => {
    const e = engine()
    await checkMethodsOnModel(e, [], { steps: 6, guidance_scale: 6 })
    expect(e.asked).toEqual([])
  })

  it('leaves methods that decide from the model\'s outputs to run time', () => {
    expect(scheduleProblem(fbc, SIX)).toBeNull()
    expect(scheduleProblem(pab([100, 800]), SIX)).toBeNull()
  })
})
