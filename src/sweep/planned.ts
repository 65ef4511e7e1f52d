import type { LoadedConfig } from '../config/load.ts'
import type { RunRecord } from '../run/record.ts'
import type { RunSpec } from './grid.ts'
import type { Plan } from './state.ts'

/** One run of the grid as this process will treat it. */
export interface PlannedRun {
  spec: RunSpec
  dir: string
  config: LoadedConfig
  plan: Plan
  /** A completed run's record, for a baseline this process times again beside new cells of its group. */
  record?: RunRecord | null
}

export interface Outcome {
  spec: RunSpec
  status: 'completed' | 'failed' | 'interrupted' | 'skipped'
  record: RunRecord | null
  error?: unknown
}
