import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { methodNamed } from '../methods/registry.ts'
import { variantTitle } from '../methods/variant.ts'
import type { TuneChoice, TuneRecord } from '../tune/output.ts'
import { TUNE_FILE, TUNED_CONFIG } from '../tune/output.ts'
import type { MeasuredSpeedup } from '../tune/measured.ts'
import type { Named, RankingNote } from '../tune/rank.ts'
import { intervalText, mdTable, speedup } from './format.ts'
import type { ReportData } from './types.ts'

/**
 * REPORT.md's "Tuning" section, for a sweep folder that `teacache tune` made: the gate, every
 * candidate of every family with what was measured of it (worst quality, and the speedup the
 * choice is ranked by, with its interval), the choice and its held-out check, and what the search
 * cost against a full sweep. Made from tune.json alone: its speedups are the tuning prompts'
 * (the report's columns pool the held-out prompts too).
 */
export async function readTuning(dir: string): Promise<TuneRecord | null> {
  const text = await fs.readFile(join(dir, TUNE_FILE), 'utf8').catch(() => null)
  if (text === null) return null
  try {
    const record = JSON.parse(text) as TuneRecord
    return record.format === 'teacache-tune/1' && Array.isArray(record.candidates) && Array.isArray(record.families) ? record : null
  } catch {
    return null
  }
}

const num = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? (x === Infinity ? '∞' : '—') : x.toFixed(Math.abs(x) >= 10 ? 2 : 4))
const margins = (m: Partial<Record<string, number>>) => Object.entries(m).map(([k, v]) => `${k} ${num(v)}`).join(', ')

const familyTitle = (name: string) => (name === 'teacache' ? 'TeaCache' : (methodNamed(name)?.title ?? name))

/** "1.52x [1.48–1.55, 95% CI]", as the report's other speedups read; null: every cell's timing was suspect, or none was made. */
export const measuredText = (m: MeasuredSpeedup | null) =>
  m ? `${speedup(m.speedup)} ${intervalText(m.interval)}${m.ideal !== undefined && m.speedup > m.ideal ? ` ⚠ above the ${speedup(m.ideal)} its schedule allows at most: the excess is noise` : ''}` : 'no trustworthy measurement'

const nameOf = (c: Named) => `${c.id}${c.compile === 'blocks' ? ' (compiled blocks)' : ''}`

/** A note of the ranking (src/tune/rank.ts) in words: why the choice is not simply the fastest prediction, or how close the next came. */
export function rankingNoteText(note: RankingNote): string {
  switch (note.kind) {
    case 'untimed':
      return 'No passing candidate has a trustworthy measurement to rank by (none timed, or every timing suspect: see "Suspect measurements"): the choice is the most aggressive passing one.'
    case 'milder-faster':
      return (
        `${nameOf(note.choice)} measured faster (${measuredText(note.choice.speedup)}) than ${note.aggressive.id}, the most aggressive candidate of its family that passes (${measuredText(note.aggressive.speedup)}); ` +
        (note.overlap === null
          ? 'without an interval (a single round) the difference may be noise; more rounds (--repeats) would tell.'
          : note.overlap ? 'the intervals overlap, so the two may be equally fast.' : 'the intervals do not overlap.')
      )
    case 'close-runner-up':
      return `The runner-up, ${nameOf(note.runnerUp)} (${measuredText(note.runnerUp.speedup)}), overlaps the choice's interval: it may be as fast.`
  }
}

export function choiceText(c: TuneChoice): string {
  const what = c.method ? `${variantTitle(c.method)} (\`${c.id}\`)` : `TeaCache threshold ${c.threshold} (${c.computed_steps} of ${c.steps} steps computed)`
  return `${what}${c.compile === 'blocks' ? ' on compiled blocks' : ''}`
}

export function tuningSection(tune: TuneRecord | null, _data?: ReportData): string[] {
  if (!tune) return []
  const metrics = tune.gate.map((b) => b.metric)
  const rows = tune.candidates.map((c) => [
    familyTitle(c.family),
    `\`${c.id}\``,
    c.computed_steps === null ? '—' : `${c.computed_steps}/${c.steps}`,
    c.tried ? (c.pass ? 'passes' : 'fails') : 'not run',
    // JSON has no infinity: identical videos' PSNR (the one infinite metric) comes back as null.
    ...metrics.map((m) => (c.worst ? (c.worst[m] === null && m.endsWith('psnr') ? '∞' : num(c.worst[m])) : '—')),
    c.tried ? measuredText(c.speedup) : '—',
    c.id === tune.choice?.id ? (tune.choice.compile === 'blocks' ? '**chosen** (compiled)' : '**chosen**') : tune.families.some((f) => f.search_pick === c.id) ? 'most aggressive passing' : '',
  ])
  const searched = tune.families.map((f) => `${familyTitle(f.name)} (${f.candidates} candidates of ${f.parameter}, ${f.probes} run)`).join('; ')
  const lines = [
    '## Tuning', '',
    `\`teacache tune\` looked for the fastest setting keeping the gate \`${tune.gate_text}\` on ${tune.quantile === 0 ? 'every' : `the ${tune.quantile} quantile of the`} tuning prompt x seed (prompts ${tune.tuning.prompts.map((p) => `p${p}`).join(', ')}; seeds ${tune.tuning.seeds.join(', ')}). ` +
      `Families: ${searched}. TeaCache's candidates are its distinct schedules, from the first baseline's indicator (as \`plan\` replays it); a method's are a ladder of its main parameter. ` +
      'Each family runs mildest first and is bisected, assuming quality falls as it gets more aggressive; the choice is the passing candidate with the highest measured speedup (median of the paired rounds on the tuning prompts, with its interval), not the one predicted fastest.',
    '',
    mdTable(['family', 'candidate', 'computed', 'gate', ...metrics.map((m) => `worst ${m}`), 'measured speedup', ''], rows),
    '',
  ]
  for (const f of tune.families) {
    if (f.violations.length) lines.push(`- ⚠ ${familyTitle(f.name)}: quality did not fall as the setting got more aggressive between ${f.violations.map(([a, b]) => `\`${a}\` and \`${b}\``).join(', ')}: the search then ran the pick's untried neighbours, if any.`)
  }
  for (const t of tune.compiled) {
    lines.push(`- \`${t.id}\` on compiled blocks (\`--compile ${tune.compile.join(',')}\`; quality as judged on eager blocks, which run the same steps): measured ${measuredText(t.speedup)}. The grid's other compiled cells are not run (listed below as missing).`)
  }
  if (tune.choice) {
    const how = tune.choice.method ? `a config whose \`sweep.methods\` holds it: \`teacache sweep ${TUNED_CONFIG}\` runs it beside its baseline (\`teacache run\` runs none of diffusers' caches)` : 'a `teacache run` config'
    lines.push(`- Choice: ${choiceText(tune.choice)}, measured ${measuredText(tune.choice.speedup)}; written as [${TUNED_CONFIG}](${TUNED_CONFIG}) (${how}).`)
    for (const note of tune.ranking_notes) lines.push(`- ${rankingNoteText(note)}`)
  } else {
    const best = tune.best_failed
    lines.push(`- No setting keeps the gate${best ? `: the mildest tried, \`${best.id}\`, misses by ${Object.entries(best.margin).filter(([, m]) => (m as number) < 0).map(([k, m]) => `${k} ${Math.abs(m as number).toPrecision(3)}`).join(', ')}` : ''}.`)
  }
  if (tune.held_out) {
    lines.push(`- Held-out prompts (${tune.holdout!.prompts.map((p) => `p${p}`).join(', ')}, never used by the search): the gate ${tune.held_out.pass ? 'held' : '**did not hold**'}, worst ${margins(tune.held_out.worst)} (margin ${margins(tune.held_out.margin)}).`)
  } else if (tune.choice) {
    lines.push('- No held-out prompts were given (`--holdout N` or `--holdout-prompts FILE`): the choice is checked only on the prompts it was tuned on.')
  }
  const c = tune.cost
  lines.push(
    `- Cost: ${c.generations} generations: ${c.search} for the search over ${c.tuning_groups} tuning prompt x seed group(s) (its bound: ${c.bound}, one baseline and ⌈log2 (S + 1)⌉ probes per family and group, plus neighbours where quality did not fall; ` +
      `a full sweep of all ${c.schedules} candidates would make ${c.full_sweep})${c.compile ? `, ${c.compile} timing the pick on compiled blocks` : ''}${c.held_out ? `, ${c.held_out} for the held-out check` : ''}. Timing rounds come on top (see "Timing sessions").`,
    '',
  )
  return lines
}
