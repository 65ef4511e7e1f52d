import { resolve } from 'node:path'
import { TeacacheError } from '../errors.ts'
import { defaultCalibrateOutput, readCoefficientsFile, settingDifferences, type CoefficientsOrigin, type RunSetting } from '../policy/coefficients-file.ts'
import { expandHome, shownPath } from '../util/paths.ts'

/**
 * MagCache's ratios for a sweep: given as numbers, as the path of a file `teacache calibrate`
 * wrote, or (neither) from the file the config's teacache.coefficients names. Without any, MagCache
 * is refused with the command that measures them.
 */
export interface RatiosContext {
  /** Where the entry was written ("--methods", "sweep.methods[2]"), for messages. */
  where: string
  /** Relative ratio paths resolve against it (the config's folder, or the cwd for a flag). */
  baseDir: string
  config: RunSetting & { configPath: string; name: string; coefficientsFile?: CoefficientsOrigin }
}

export interface Ratios {
  ratios: number[]
  /** Set when the file was measured on another setting. */
  warning: string | null
}

export function magcacheRatios(given: unknown, ctx: RatiosContext): Ratios {
  if (Array.isArray(given)) return { ratios: given as number[], warning: null }
  const command = `teacache calibrate ${shownPath(ctx.config.configPath)}`
  if (typeof given === 'string') {
    const origin = readCoefficientsFile(resolve(ctx.baseDir, expandHome(given)), `${ctx.where}: ratios`)
    if (!origin.magcache) {
      throw new TeacacheError('CONFIG', `${ctx.where}: ratios: ${shownPath(origin.path)} holds no MagCache ratios (calibrate wrote it before it measured them); remake it with \`${command} --output ${shownPath(origin.path)} --force\``)
    }
    return fromFile(origin, ctx)
  }
  const origin = ctx.config.coefficientsFile
  if (origin?.magcache) return fromFile(origin, ctx)
  const target = origin?.path ?? defaultCalibrateOutput(ctx.config.configPath, ctx.config.name)
  const remake = origin ? ` --output ${shownPath(origin.path)} --force` : ''
  throw new TeacacheError(
    'CONFIG',
    `${ctx.where}: magcache needs the residual magnitude ratios of this model, which diffusers has for FLUX only, and ` +
      `${origin ? `teacache.coefficients (${shownPath(origin.path)}) holds none` : 'the config names no file holding them'}: ` +
      `run \`${command}${remake}\` (it writes them into ${shownPath(target)} beside the TeaCache coefficients)` +
      `${origin ? '' : `, then set teacache.coefficients: ${shownPath(target)} in the config or give magcache:ratios=${shownPath(target)}`}`,
  )
}

function fromFile(origin: CoefficientsOrigin, ctx: RatiosContext): Ratios {
  const differences = settingDifferences(origin.fitted_on, ctx.config)
  const warning = differences.length
    ? `${ctx.where}: magcache: the ratios in ${shownPath(origin.path)} were measured on another setting (${differences.join(', ')}); diffusers resamples them to the step count, but MagCache may skip too much or too little. Measure them for this setting with teacache calibrate`
    : null
  return { ratios: origin.magcache!.ratios, warning }
}
