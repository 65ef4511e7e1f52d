import type { MethodVariant } from '../methods/variant.ts'
import type { CompileMode } from '../sweep/grid.ts'
import { candidateValue, type Candidate, type Family } from './families.ts'
import type { Gate, judge } from './gate.ts'
import type { MeasuredSpeedup } from './measured.ts'
import type { TuneChoice, TuneRecord, TunedCandidate } from './output.ts'
import type { Contender, Ranking } from './rank.ts'
import { chosen, probeBound, violations, type Probe } from './search.ts'

/**
 * tune.json from what the search ran (pure): every family's candidates with their verdicts and
 * measured speedups, the ranking's choice, and the cost against the bound and a full sweep.
 */
export type Verdict = ReturnType<typeof judge>

export interface FamilySearch {
  family: Family
  probes: Probe[]
}

/** The bisection's score of a verdict: the gate's first metric, higher is closer (to check that quality falls). */
export function scoreOf(gate: Gate, verdict: Verdict): number {
  const first = gate[0]
  return first.op === '>=' ? verdict.worst[first.metric] : -verdict.worst[first.metric]
}

/** Each family's bisection answer: its most aggressive passing candidate. */
export const searchPicks = (searches: readonly FamilySearch[]) =>
  searches.flatMap(({ family, probes }) => {
    const pick = chosen(probes)
    return pick === null ? [] : [{ family: family.name, id: family.candidates[pick].id }]
  })

/** Every candidate the search ran, eager, as the ranking takes it. */
export function contendersOf(searches: readonly FamilySearch[], verdicts: ReadonlyMap<string, Verdict>, speedups: ReadonlyMap<string, MeasuredSpeedup | null>): Contender[] {
  return searches.flatMap(({ family }) =>
    family.candidates.flatMap((c, order) => {
      const verdict = verdicts.get(c.id)
      return verdict ? [{ id: c.id, family: family.name, order, compile: 'none' as CompileMode, pass: verdict.pass, speedup: speedups.get(c.id) ?? null }] : []
    }),
  )
}

/** The search's results, and the fields tune.json holds as they are given. */
export interface RecordInput extends Pick<TuneRecord, 'gate' | 'quantile' | 'tuning' | 'holdout' | 'compile' | 'compiled'> {
  gateText: string
  steps: number
  searches: FamilySearch[]
  verdicts: ReadonlyMap<string, Verdict>
  speedups: ReadonlyMap<string, MeasuredSpeedup | null>
  ranking: Ranking
  generations: { search: number; compile: number; held_out: number }
  date: Date
}

export function tuneRecord(input: RecordInput): TuneRecord {
  const { searches, verdicts, speedups, steps, ranking } = input
  const all = searches.flatMap((s) => s.family.candidates.map((c) => ({ family: s.family, c })))
  const candidates: TunedCandidate[] = all.map(({ family, c }) => {
    const v = verdicts.get(c.id)
    return {
      family: c.family, id: c.id, value: candidateValue(family, c), threshold: c.threshold, method: c.method, computed_steps: c.computed_steps, steps,
      tried: v !== undefined, pass: v?.pass ?? null, worst: v?.worst ?? null, margin: v?.margin ?? null, speedup: speedups.get(c.id) ?? null,
    }
  })
  const families = searches.map(({ family, probes }) => {
    const pick = chosen(probes)
    return {
      name: family.name, parameter: family.parameter, candidates: family.candidates.length, probes: probes.length,
      search_pick: pick === null ? null : family.candidates[pick].id,
      violations: violations(probes).map(([a, b]) => [family.candidates[a.index].id, family.candidates[b.index].id] as [string, string]),
    }
  })
  const groups = input.tuning.prompts.length * input.tuning.seeds.length
  const counts = searches.map((s) => s.family.candidates.length)
  const byId = new Map(all.map(({ c }) => [c.id, c]))
  return {
    format: 'teacache-tune/1', date: input.date.toISOString(), gate: input.gate, gate_text: input.gateText, quantile: input.quantile,
    tuning: input.tuning, holdout: input.holdout, compile: input.compile, families, candidates, compiled: input.compiled,
    choice: ranking.choice ? choiceOf(byId.get(ranking.choice.id)!, ranking.choice, steps) : null,
    ranking_notes: ranking.notes,
    best_failed: ranking.choice ? null : bestFailed(searches, verdicts),
    held_out: null,
    cost: {
      generations: input.generations.search + input.generations.compile + input.generations.held_out,
      ...input.generations,
      bound: groups * (1 + counts.reduce((a, s) => a + probeBound(s), 0)),
      full_sweep: groups * (1 + counts.reduce((a, s) => a + s, 0)),
      tuning_groups: groups,
      schedules: counts.reduce((a, s) => a + s, 0),
    },
  }
}

function choiceOf(c: Candidate, contender: Contender, steps: number): TuneChoice {
  return { id: c.id, family: c.family, threshold: c.threshold, method: c.method as MethodVariant | null, computed_steps: c.computed_steps, steps, compile: contender.compile, speedup: contender.speedup }
}

/** When nothing passed: TeaCache's mildest candidate (always probed then), and how far it missed. */
function bestFailed(searches: readonly FamilySearch[], verdicts: ReadonlyMap<string, Verdict>): TuneRecord['best_failed'] {
  for (const { family } of searches) {
    const tried = family.candidates.find((c) => verdicts.has(c.id))
    if (tried) return { id: tried.id, margin: verdicts.get(tried.id)!.margin }
  }
  return null
}
