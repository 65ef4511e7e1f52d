import { stringify } from 'yaml'
import type { LoadedConfig } from '../config/load.ts'
import { configSchema } from '../config/schema.ts'
import type { Gate, Metric } from './gate.ts'

/** What `tune` found, kept in the sweep folder as tune.json: the report's Tuning section is made from it. */
export const TUNE_FILE = 'tune.json'
export const TUNED_CONFIG = 'tuned.yaml'

export interface TunedCandidate {
  threshold: number
  computed_steps: number
  steps: number
  /** Probed by the search (false: a distinct schedule the search never needed to run). */
  tried: boolean
  pass: boolean | null
  worst: Partial<Record<Metric, number>> | null
  margin: Partial<Record<Metric, number>> | null
}

export interface TuneRecord {
  format: 'teacache-tune/1'
  date: string
  gate: Gate
  gate_text: string
  quantile: number
  tuning: { prompts: number[]; seeds: number[] }
  holdout: { prompts: number[]; seeds: number[] } | null
  candidates: TunedCandidate[]
  /** Pairs where quality did not fall as steps fell, by threshold (milder first). */
  violations: Array<[number, number]>
  choice: { threshold: number; computed_steps: number; steps: number } | null
  /** The best candidate found when none passed: the mildest, and how far it missed. */
  best_failed: { threshold: number; margin: Partial<Record<Metric, number>> } | null
  held_out: { pass: boolean; worst: Partial<Record<Metric, number>>; margin: Partial<Record<Metric, number>> } | null
  cost: { generations: number; bound: number; full_sweep: number; tuning_groups: number; schedules: number }
}

/**
 * A `run` config with the chosen setting: every field of the tuned config as it was resolved
 * (overrides applied, paths absolute), TeaCache on at the chosen threshold with the very
 * coefficients the search used, so `teacache run tuned.yaml` computes the chosen schedule.
 */
export function tunedConfig(config: LoadedConfig, threshold: number, coefficients: readonly number[], note: string): string {
  const fields: Record<string, unknown> = {}
  for (const key of Object.keys(configSchema.shape)) {
    if (key === 'sweep' || key === 'teacache') continue
    const value = (config as unknown as Record<string, unknown>)[key]
    if (value !== undefined) fields[key] = value
  }
  fields.teacache = { enabled: true, rel_l1_thresh: threshold, coefficients: [...coefficients] }
  return `# ${note}\n${stringify(fields)}`
}
