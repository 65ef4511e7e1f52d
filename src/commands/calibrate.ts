import { dirname, extname, resolve } from 'node:path'
import { calibrationSvg } from '../calibrate/plot.ts'
import { mergePairs, pairsOf, readPrompts, type Pairs } from '../calibrate/pairs.ts'
import { loadConfig, type Overrides } from '../config/load.ts'
import { checkModelFit, checkRunInputs } from '../config/rules.ts'
import { TeacacheError } from '../errors.ts'
import { resolveModel } from '../model/resolve.ts'
import { defaultCalibrateOutput, formatCoefficientsFile, COEFFICIENTS_FORMAT, type CoefficientsFile } from '../policy/coefficients-file.ts'
import { DEGREE, polyfit, type Fit } from '../policy/fit.ts'
import { denoiseRequest, type ModelFacts } from '../run/request.ts'
import type { Step } from '../run/progress.ts'
import { canCreate, makeDirs, writeFileAtomic } from '../util/fs.ts'
import { spaceChecked } from '../util/disk.ts'
import { checkPathLength, shownPath } from '../util/paths.ts'
import { checkCalibrateOutputs } from '../calibrate/outputs.ts'
import packageJson from '../../package.json' with { type: 'json' }

export interface CalibrateOptions {
  /** Flags that replace config fields (--steps, --height, --compile, ...). */
  overrides?: Overrides
  prompts?: string
  output?: string
  force?: boolean
  quiet?: boolean
}

/**
 * `teacache calibrate`: generate with every step computed (through the TeaCache forward, so the
 * indicator is measured exactly as a run measures it), pair each step's indicator distance with
 * the change of the transformer output, and fit the degree-4 rescale polynomial.
 */
export async function calibrateCommand(configFile: string, options: CalibrateOptions): Promise<CoefficientsFile> {
  // The coefficients are what this command makes: a config naming a file not yet written is fine.
  const config = await loadConfig(configFile, options.overrides, process.cwd(), { coefficientsFile: 'ignore' })
  const prompts = options.prompts ? await readPrompts(resolve(options.prompts)) : [config.prompt]
  const expected = prompts.length * (config.steps - 1)
  if (expected < DEGREE + 1) {
    throw new TeacacheError(
      'CONFIG',
      `steps: calibration gets one pair per step after the first and prompt (${prompts.length} x ${config.steps - 1} = ${expected}); ` +
        `a degree-${DEGREE} fit needs at least ${DEGREE + 1}: use more steps or more prompts`,
    )
  }
  const location = await resolveModel(config.model)
  await checkRunInputs(config, location)
  const output = options.output ? resolve(options.output) : defaultCalibrateOutput(config.configPath, config.name)
  const plot = `${output.slice(0, output.length - extname(output).length)}.svg`
  checkPathLength(output, '--output', 4)
  await checkCalibrateOutputs({ coefficients: output, plot }, { force: options.force, config: config.configPath })
  if (!(await canCreate(dirname(output)))) throw new TeacacheError('OUTPUT', `--output: ${dirname(output)} cannot be created or written`)

  const { PythonSession } = await import('../engine/session.ts')
  const session = new PythonSession()
  const collected: Pairs[] = []
  const magnitudes: number[][] = []
  const steps: Step[] = [
    ...session.openSteps(config, location, (loaded) => checkModelFit(config, loaded.facts)),
    ...prompts.map((prompt, p): Step => ({
      title: `Prompt ${p + 1}/${prompts.length}: ${config.steps} steps, every one computed`,
      run: async (report) => {
        const { engine } = session.loaded
        await engine.encodePrompt(prompt, config.negative_prompt ?? null, config.guidance_scale)
        const distances: Array<number | null> = []
        const result = await engine.denoise(
          denoiseRequest({ ...config, prompt, method: null }, { recordOutputs: true }),
          (index, _timestep, distance) => {
            distances[index] = distance
            report({ index, total: config.steps, computed: index + 1, skipped: 0 })
            return true
          },
          null,
        )
        collected.push(pairsOf(distances, result.output_changes ?? []))
        if (result.residual_ratios?.length === config.steps) magnitudes.push(result.residual_ratios)
      },
    })),
  ]
  try {
    await session.run(steps, { quiet: options.quiet })
  } catch (caught) {
    throw session.failure(caught, `nothing written to ${shownPath(output)} or ${shownPath(plot)}`)
  } finally {
    await session.close()
  }
  const facts = session.loaded.facts

  const { xs, ys } = mergePairs(collected)
  const fit = polyfit(xs, ys)
  const file = { ...record(config, facts, prompts.length, fit), ...magcacheOf(magnitudes, prompts.length) }
  await spaceChecked(dirname(output), () => makeDirs(dirname(output)))
  await writeFileAtomic(plot, calibrationSvg({ xs, ys, coefficients: fit.coefficients, title: `${config.model}: R² ${fit.r2.toFixed(4)} over ${fit.pairs} pairs` }))
  await writeFileAtomic(output, formatCoefficientsFile(file))
  if (!options.quiet) {
    process.stdout.write(
      `\nFitted ${fit.pairs} pairs (${prompts.length} prompt${prompts.length === 1 ? '' : 's'} x ${config.steps - 1} steps): ` +
        `R² ${fit.r2.toFixed(4)}, RMSE ${fit.rmse.toPrecision(3)}, x from ${fit.xRange[0].toPrecision(3)} to ${fit.xRange[1].toPrecision(3)}\n` +
        `coefficients: [${fit.coefficients.map((c) => c.toPrecision(8)).join(', ')}]\n` +
        (file.magcache ? `MagCache ratios (mean over prompts, per step): ${ratiosShown(file.magcache.ratios)}\n` : '') +
        `wrote ${shownPath(output)} (use it with teacache.coefficients or --coefficients; sweep --methods magcache reads its ratios) and the plot ${shownPath(plot)}\n`,
    )
  }
  return file
}

function record(config: Awaited<ReturnType<typeof loadConfig>>, facts: ModelFacts, prompts: number, fit: Fit): CoefficientsFile {
  const { transformer_class, version, task, num_layers, num_attention_heads, dtype } = facts
  const { model, height, width, frames, steps, guidance_scale, use_dynamic_cfg, seed } = config
  return {
    format: COEFFICIENTS_FORMAT,
    coefficients: fit.coefficients,
    command: commandLine(),
    created_at: new Date().toISOString(),
    fitted_on: { model, transformer_class, version, task, num_layers, num_attention_heads, height, width, frames, steps, guidance_scale, use_dynamic_cfg, dtype, prompts, seed },
    fit: { degree: DEGREE, pairs: fit.pairs, r2: fit.r2, rmse: fit.rmse, x_min: fit.xRange[0], x_max: fit.xRange[1], teacache: packageJson.version },
  }
}

/**
 * MagCache's ratios from the same generations (every step computed, as its calibration wants):
 * each step's ratio averaged over the prompts. Absent when a generation did not record them all.
 */
function magcacheOf(magnitudes: number[][], prompts: number): Pick<CoefficientsFile, 'magcache'> {
  if (magnitudes.length !== prompts || magnitudes.length === 0) return {}
  const ratios = magnitudes[0].map((_, step) => magnitudes.reduce((sum, m) => sum + m[step], 0) / magnitudes.length)
  return ratios.every((r) => Number.isFinite(r) && r > 0) ? { magcache: { ratios } } : {}
}

/** The command as typed (relative paths and all), so a committed file says how to remake it. */
function commandLine(): string {
  const quote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)
  return ['teacache', ...process.argv.slice(2)].map(quote).join(' ')
}

/** A terminal line, not a dump: a long schedule's ratios are in the file, the line shows their ends. */
function ratiosShown(ratios: number[]): string {
  const f = (r: number) => r.toPrecision(5)
  if (ratios.length <= 12) return `[${ratios.map(f).join(', ')}]`
  return `[${ratios.slice(0, 4).map(f).join(', ')}, ... ${ratios.length - 8} more ..., ${ratios.slice(-4).map(f).join(', ')}] (${ratios.length} in the file)`
}
