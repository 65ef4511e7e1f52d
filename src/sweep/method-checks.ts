import { TeacacheError } from '../errors.ts'
import { definitionOf } from '../methods/registry.ts'
import { variantTitle, type MethodVariant } from '../methods/variant.ts'
import type { Engine } from '../python/engine.ts'

/**
 * The checks only the loaded model can answer, made before any run folder exists: diffusers must
 * be able to install each cache on this transformer, and the schedule must hold a step where it
 * can reuse anything (a timestep range that no step of this schedule falls in would leave it
 * computing everything, silently).
 */
export function scheduleProblem(variant: MethodVariant, timesteps: readonly number[]): string | null {
  const reusable = definitionOf(variant.method).reusableSteps?.(variant.params, timesteps)
  if (reusable !== 0) return null
  const shown = timesteps.map((t) => Math.round(t)).join(', ')
  return (
    `${variant.id}: refused: ${variantTitle(variant)} reuses nothing on any of the ${timesteps.length} steps of this schedule ` +
    `(timesteps ${shown}) with these parameters, so it would compute everything; widen its timestep ranges, lower its intervals or use more steps`
  )
}

export async function checkMethodsOnModel(
  engine: Pick<Engine, 'checkMethod' | 'indicatorTrace'>,
  variants: readonly MethodVariant[],
  setting: { steps: number; guidance_scale: number },
): Promise<void> {
  if (variants.length === 0) return
  const problems: string[] = []
  const { timesteps } = await engine.indicatorTrace(setting.steps, setting.guidance_scale)
  for (const variant of variants) {
    const reason = await engine.checkMethod(variant.method, variant.params, setting.steps)
    if (reason) problems.push(`${variant.id}: refused: ${reason}`)
    else {
      const schedule = scheduleProblem(variant, timesteps)
      if (schedule) problems.push(schedule)
    }
  }
  if (problems.length > 0) throw new TeacacheError('CONFIG', `methods: these cannot work with the loaded pipeline, and no run was made:\n  ${problems.join('\n  ')}`)
}
