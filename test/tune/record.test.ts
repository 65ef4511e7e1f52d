import { describe, expect, it } from 'vitest'
import { makeVariant, paramsOf } from '../../src/methods/variant.ts'
import { definitionOf } from '../../src/methods/registry.ts'
import { compileContender } from '../../src/tune/compile.ts'
import { methodCandidate, teacacheFamily, type Family } from '../../src/tune/families.ts'
import { parseGate } from '../../src/tune/gate.ts'
import type { MeasuredSpeedup } from '../../src/tune/measured.ts'
import type { CompiledTiming } from '../../src/tune/output.ts'
import { rankContenders } from '../../src/tune/rank.ts'
import { contendersOf, scoreOf, searchPicks, tuneRecord, type FamilySearch, type Verdict } from '../../src/tune/record.ts'
import { probeBound, searchFamily } from '../../src/tune/search.ts'
import { rankingNoteText } from '../../src/report/tuning.ts'

/**
 * The whole of tune's decision on a scripted engine: each family's truth table (pass or fail) and
 * made-up speedups stand in for generations, so the search, the ranking, the compile timing and
 * tune.json's cost are checked without timing anything.
 */
const gate = parseGate('psnr>=30')
const fast = (speedup: number): MeasuredSpeedup => ({ speedup, interval: null, rounds: 1 })
const tea = teacacheFamily([0.05, 0.1, 0.2, 0.3, 0.4].map((threshold, i) => ({ threshold, computed_steps: 8 - i })))
const fbc: Family = { name: 'fbc', parameter: 'threshold', candidates: [0.01, 0.02, 0.05, 0.1, 0.2].map((t) => methodCandidate(makeVariant('fbc', paramsOf(definitionOf('fbc'), { threshold: t })))) }

interface Script {
  passes: Record<string, boolean>
  speed: Record<string, number>
  compiled?: number
}

async function tune(families: Family[], script: Script, groups = 2) {
  const verdicts = new Map<string, Verdict>()
  const speedups = new Map<string, MeasuredSpeedup | null>()
  const searches: FamilySearch[] = []
  let generations = groups
  for (const family of families) {
    const probes = await searchFamily(family.candidates.length, async (i) => {
      const id = family.candidates[i].id
      generations += groups
      const psnr = script.passes[id] ? 40 - i : 20 - i
      const verdict: Verdict = { pass: script.passes[id], worst: { psnr }, margin: { psnr: psnr - 30 } } as Verdict
      verdicts.set(id, verdict)
      speedups.set(id, fast(script.speed[id] ?? 1 + i / 10))
      return { pass: verdict.pass, score: scoreOf(gate, verdict) }
    })
    searches.push({ family, probes })
  }
  let ranking = rankContenders(contendersOf(searches, verdicts, speedups), searchPicks(searches))
  const compiled: CompiledTiming[] = []
  const modes = script.compiled === undefined ? (['none'] as const) : (['none', 'blocks'] as const)
  const timed = compileContender(ranking.ranked, modes)
  let compileGenerations = 0
  if (timed) {
    compileGenerations = groups
    compiled.push({ id: timed.id, compile: 'blocks', speedup: fast(script.compiled!) })
    ranking = rankContenders([...contendersOf(searches, verdicts, speedups), { ...timed, compile: 'blocks', speedup: fast(script.compiled!) }], searchPicks(searches))
  }
  return tuneRecord({
    gate, gateText: 'psnr>=30', quantile: 0, steps: 8, compile: [...modes], searches, verdicts, speedups, compiled, ranking,
    generations: { search: generations, compile: compileGenerations, held_out: 0 }, date: new Date(0),
    tuning: { prompts: [0, 1], seeds: [42] }, holdout: null,
  })
}

const upTo = (family: Family, last: number) => Object.fromEntries(family.candidates.map((c, i) => [c.id, i <= last]))

describe('tune on a scripted engine', () => {
  it.each([
    { name: 'TeaCache alone: the most aggressive passing schedule, fastest as predicted', families: [tea], script: { passes: upTo(tea, 2), speed: {} }, choice: 't0.2', compile: 'none' },
    { name: 'a milder schedule that measured faster is chosen over the bisection\'s pick', families: [tea], script: { passes: upTo(tea, 3), speed: { 't0.2': 1.9, 't0.3': 1.5 } }, choice: 't0.2', compile: 'none', note: /t0\.2 measured faster .* than t0\.3/ },
    { name: 'across families: the fastest passing candidate', families: [tea, fbc], script: { passes: { ...upTo(tea, 1), ...upTo(fbc, 3) }, speed: { 'fbc0.1': 2.5 } }, choice: 'fbc0.1', compile: 'none' },
    { name: 'compiled blocks measured faster: the compiled TeaCache pick', families: [tea, fbc], script: { passes: { ...upTo(tea, 2), ...upTo(fbc, 3) }, speed: { 'fbc0.1': 2.5, 't0.2': 2 }, compiled: 3 }, choice: 't0.2', compile: 'blocks' },
    { name: 'compiled blocks slower: stays eager', families: [tea], script: { passes: upTo(tea, 2), speed: { 't0.2': 2 }, compiled: 1.2 }, choice: 't0.2', compile: 'none' },
  ] as Array<{ name: string; families: Family[]; script: Script; choice: string; compile: string; note?: RegExp }>)('$name', async ({ families, script, choice, compile, note }) => {
    const record = await tune(families, script)
    expect(record.choice).toMatchObject({ id: choice, compile })
    if (note) expect(record.ranking_notes.map(rankingNoteText).join('\n')).toMatch(note)
    // The cost: one shared baseline and at most ⌈log2 (S_f + 1)⌉ probes per family, per group.
    expect(record.cost.bound).toBe(2 * (1 + families.reduce((a, f) => a + probeBound(f.candidates.length), 0)))
    expect(record.cost.full_sweep).toBe(2 * (1 + families.reduce((a, f) => a + f.candidates.length, 0)))
    expect(record.cost.search).toBeLessThanOrEqual(record.cost.bound)
    expect(record.cost.generations).toBe(record.cost.search + record.cost.compile)
    expect(record.cost.compile).toBe(script.compiled === undefined ? 0 : 2)
    // Every candidate the search ran has its measured speedup; the others are marked not run.
    for (const c of record.candidates) expect(c.tried ? c.speedup !== null : c.speedup === null && c.pass === null).toBe(true)
    expect(record.families.map((f) => f.probes)).toEqual(families.map((f) => record.candidates.filter((c) => c.family === f.name && c.tried).length))
  })

  it('nothing passes anywhere: no choice, the mildest TeaCache schedule and its margin', async () => {
    const record = await tune([tea, fbc], { passes: {}, speed: {} })
    expect(record.choice).toBeNull()
    expect(record.best_failed).toEqual({ id: 't0.05', margin: { psnr: -10 } })
  })
})
