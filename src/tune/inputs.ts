import { resolve } from 'node:path'
import type { LoadedConfig } from '../config/load.ts'
import { TeacacheError } from '../errors.ts'
import { findLpipsWeights, LPIPS_FETCH_COMMAND, missingWeights } from '../quality/lpips.ts'
import type { Grid } from '../sweep/grid.ts'
import { readPromptsFile, resolveGrid } from '../sweep/inputs.ts'

/** What tune reads from its flags before anything starts: the quantile, LPIPS's weights, the tuning and held-out prompts. */
export interface TuneInputs {
  prompts?: string
  seeds?: string
  holdout?: string
  holdoutPrompts?: string
}

export function parseQuantile(text: string | undefined): number {
  if (text === undefined) return 0
  const q = Number(text)
  if (!(text.trim() !== '' && q >= 0 && q < 1)) throw new TeacacheError('CONFIG', `--quantile: expected a number from 0 (the worst prompt x seed) up to 1, got "${text}"`)
  return q
}

export async function lpipsWeights(): Promise<{ alexnet: string; linear: string }> {
  const weights = await findLpipsWeights()
  const missing = missingWeights(weights)
  if (missing || !weights.alexnet || !weights.linear) throw new TeacacheError('CONFIG', `--gate: lpips needs its weights: ${missing}; with internet, \`${LPIPS_FETCH_COMMAND}\` fetches both`)
  return { alexnet: weights.alexnet, linear: weights.linear }
}

/** The tuning prompts first, then the held-out ones (they never steer the search); thresholds grow as the search probes. */
export async function tuneGrid(config: LoadedConfig, options: TuneInputs): Promise<{ grid: Grid; tuning: number[]; held: number[] }> {
  if (options.holdout !== undefined && options.holdoutPrompts !== undefined) throw new TeacacheError('CONFIG', '--holdout: give --holdout N or --holdout-prompts FILE, not both')
  const base = await resolveGrid(config, { prompts: options.prompts, seeds: options.seeds })
  let prompts = base.prompts
  let heldCount = 0
  if (options.holdout !== undefined) {
    heldCount = Number(options.holdout)
    if (!(Number.isSafeInteger(heldCount) && heldCount >= 1 && heldCount < prompts.length)) {
      throw new TeacacheError('CONFIG', `--holdout: expected a number of prompts from 1 to ${prompts.length - 1} (the last ones of ${prompts.length} are held out; at least one must tune), got "${options.holdout}"`)
    }
  } else if (options.holdoutPrompts !== undefined) {
    const extra = await readPromptsFile(resolve(options.holdoutPrompts), '--holdout-prompts')
    const shared = extra.find((p) => prompts.includes(p))
    if (shared) throw new TeacacheError('CONFIG', `--holdout-prompts: "${shared}" is also a tuning prompt; held-out prompts must be ones the search never saw`)
    prompts = [...prompts, ...extra]
    heldCount = extra.length
  }
  const indices = prompts.map((_, i) => i)
  const grid: Grid = { prompts, seeds: base.seeds, thresholds: [] }
  return { grid, tuning: indices.slice(0, prompts.length - heldCount), held: indices.slice(prompts.length - heldCount) }
}
