import type { Engine, ModelFacts, Versions } from '../python/engine.ts'

/** A started Python with one pipeline loaded: what every run of a command shares. */
export interface Loaded {
  engine: Engine
  versions: Versions
  facts: ModelFacts
  loadSeconds: number
  /** Python's own output (null: no writable temp folder); removed at exit unless Python died. */
  logFile: string | null
}
