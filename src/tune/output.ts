import { stringify } from 'yaml'
import type { LoadedConfig } from '../config/load.ts'
import { configSchema } from '../config/schema.ts'
import { variantText } from '../methods/variant.ts'
import type { CompileMode } from '../sweep/grid.ts'
import type { Candidate, FamilyName } from './families.ts'
import type { Gate, Metric } from './gate.ts'
import type { MeasuredSpeedup } from './measured.ts'
import type { RankingNote } from './rank.ts'

/** What `tune` found, kept in the sweep folder as tune.json: the report's Tuning section is made from it. */
export const TUNE_FILE = 'tune.json'
export const TUNED_CONFIG = 'tuned.yaml'

/** A family's candidate (src/tune/families.ts), and what the search found of it. */
export interface TunedCandidate extends Candidate {
  /** TeaCache's threshold, or the method's primary value. */
  value: number
  steps: number
  /** Probed by the search (false: a candidate the search never needed to run). */
  tried: boolean
  pass: boolean | null
  worst: Partial<Record<Metric, number>> | null
  margin: Partial<Record<Metric, number>> | null
  /** Measured on the tuning prompts x seeds, eager blocks (src/tune/measured.ts); null: not run. */
  speedup: MeasuredSpeedup | null
}

export interface TunedFamily {
  name: FamilyName
  parameter: string
  /** Candidates (S), probes run, and the bisection's answer: the most aggressive that passed. */
  candidates: number
  probes: number
  search_pick: string | null
  /** Pairs where quality did not fall as the family got more aggressive, by id (milder first). */
  violations: Array<[string, string]>
}

/** A passing candidate timed again under another compile mode (quality is the eager one's: compile changes no step). */
export type CompiledTiming = Pick<TuneChoice, 'id' | 'compile' | 'speedup'>

export interface TuneChoice extends Candidate {
  steps: number
  compile: CompileMode
  speedup: MeasuredSpeedup | null
}

export interface TuneRecord {
  format: 'teacache-tune/1'
  date: string
  gate: Gate
  gate_text: string
  quantile: number
  tuning: { prompts: number[]; seeds: number[] }
  holdout: { prompts: number[]; seeds: number[] } | null
  /** Compile modes timed (none always: the search measures quality on eager blocks). */
  compile: CompileMode[]
  families: TunedFamily[]
  candidates: TunedCandidate[]
  compiled: CompiledTiming[]
  choice: TuneChoice | null
  /** Why the choice is not simply the fastest prediction, or how close the runner-up came (src/tune/rank.ts). */
  ranking_notes: RankingNote[]
  /** The best candidate found when none passed: the mildest tried, and how far it missed. */
  best_failed: { id: string; margin: Partial<Record<Metric, number>> } | null
  held_out: { pass: boolean; worst: Partial<Record<Metric, number>>; margin: Partial<Record<Metric, number>> } | null
  /**
   * Generations made by this command: the search's (baselines and probes), the compile timing's
   * and the held-out check's. `bound`: the search's most, per group 1 + Σ ⌈log2 (S_f + 1)⌉;
   * `full_sweep`: per group 1 + Σ S_f.
   */
  cost: { generations: number; search: number; compile: number; held_out: number; bound: number; full_sweep: number; tuning_groups: number; schedules: number }
}

/**
 * A `run` config with the chosen setting: every field of the tuned config as it was resolved
 * (overrides applied, paths absolute) and the chosen compile mode. A TeaCache choice turns
 * TeaCache on at its threshold with the very coefficients the search used, so `teacache run
 * tuned.yaml` computes the chosen schedule. `run` has no way to select one of diffusers' caches (a
 * sweep sets it per cell), so a method choice is written in the schema's own terms for it: TeaCache
 * off, and `sweep.methods` holding the one variant with every parameter spelled out, which
 * `teacache sweep tuned.yaml` runs beside its baseline.
 */
export function tunedConfig(config: LoadedConfig, choice: Pick<TuneChoice, 'threshold' | 'method' | 'compile'>, coefficients: readonly number[], note: string): string {
  const fields: Record<string, unknown> = {}
  for (const key of Object.keys(configSchema.shape)) {
    if (key === 'sweep' || key === 'teacache') continue
    const value = (config as unknown as Record<string, unknown>)[key]
    if (value !== undefined) fields[key] = value
  }
  fields.compile = choice.compile
  if (choice.method) {
    fields.teacache = { enabled: false, rel_l1_thresh: config.teacache.rel_l1_thresh, coefficients: [...coefficients] }
    fields.sweep = { methods: [variantText(choice.method)] }
  } else {
    fields.teacache = { enabled: true, rel_l1_thresh: choice.threshold, coefficients: [...coefficients] }
  }
  return `# ${note}\n${stringify(fields)}`
}
