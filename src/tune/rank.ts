import type { CompileMode } from '../sweep/grid.ts'
import { overlaps, type MeasuredSpeedup } from './measured.ts'

/**
 * The choice among what the search ran (pure): the passing candidate with the highest measured
 * speedup, not the one the search predicts fastest (the most aggressive passing schedule of a
 * family). When they differ, or when another passing candidate's interval reaches the choice's,
 * the notes say so: a milder schedule measured faster is a finding (overheads the step count does
 * not see, or noise the rounds could not rule out), not something to hide.
 */
export interface Contender {
  /** The candidate's column ("t0.12", "fbc0.05"). */
  id: string
  /** Its family, and its rank in the family (0 the mildest): ties go to the more aggressive. */
  family: string
  order: number
  compile: CompileMode
  pass: boolean
  speedup: MeasuredSpeedup | null
}

export type Named = Pick<Contender, 'id' | 'compile' | 'speedup'>

/** What the ranking has to say about its choice (the report words it, src/report/tuning.ts). */
export type RankingNote =
  /** No passing candidate had timings: the most aggressive passing one was taken. */
  | { kind: 'untimed' }
  /** The choice is milder than its family's most aggressive passing candidate; overlap null: no interval to compare. */
  | { kind: 'milder-faster'; choice: Named; aggressive: Named; overlap: boolean | null }
  /** Another passing candidate's interval overlaps the choice's. */
  | { kind: 'close-runner-up'; choice: Named; runnerUp: Named }

export interface Ranking {
  choice: Contender | null
  /** Passing contenders, fastest first. */
  ranked: Contender[]
  notes: RankingNote[]
}

const COMPILE_ORDER: readonly CompileMode[] = ['none', 'blocks']

/** Fastest first; unmeasured last; ties by family (the order given), then the more aggressive, then eager. */
function compare(families: readonly string[]) {
  return (a: Contender, b: Contender) =>
    (b.speedup?.speedup ?? -Infinity) - (a.speedup?.speedup ?? -Infinity) ||
    families.indexOf(a.family) - families.indexOf(b.family) ||
    b.order - a.order ||
    COMPILE_ORDER.indexOf(a.compile) - COMPILE_ORDER.indexOf(b.compile)
}

const named = (c: Contender): Named => ({ id: c.id, compile: c.compile, speedup: c.speedup })

/**
 * `searchPicks`: each family's most aggressive passing candidate (the bisection's answer), by id,
 * eager. The choice is compared with its own family's pick and with the runner-up.
 */
export function rankContenders(contenders: readonly Contender[], searchPicks: ReadonlyArray<{ family: string; id: string }>): Ranking {
  const families = [...new Set(contenders.map((c) => c.family))]
  const ranked = contenders.filter((c) => c.pass).sort(compare(families))
  const choice = ranked[0] ?? null
  const notes: RankingNote[] = []
  if (!choice) return { choice, ranked, notes }
  if (!choice.speedup) return { choice, ranked, notes: [{ kind: 'untimed' }] }
  const pick = searchPicks.find((p) => p.family === choice.family)
  const aggressive = pick && contenders.find((c) => c.id === pick.id && c.compile === 'none')
  if (aggressive && aggressive.id !== choice.id && aggressive.speedup) {
    const overlap = choice.speedup.interval && aggressive.speedup.interval ? overlaps(choice.speedup, aggressive.speedup) : null
    notes.push({ kind: 'milder-faster', choice: named(choice), aggressive: named(aggressive), overlap })
  }
  // Without intervals there is nothing to say how close two single rounds are.
  const runnerUp = ranked.find((c) => c !== choice && c !== aggressive && c.speedup)
  if (runnerUp?.speedup?.interval && choice.speedup.interval && overlaps(choice.speedup, runnerUp.speedup)) {
    notes.push({ kind: 'close-runner-up', choice: named(choice), runnerUp: named(runnerUp) })
  }
  return { choice, ranked, notes }
}
