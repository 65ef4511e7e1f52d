import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import type { TuneRecord } from '../tune/output.ts'
import { TUNE_FILE, TUNED_CONFIG } from '../tune/output.ts'
import { intervalText, mdTable, speedup } from './format.ts'
import type { ReportData } from './types.ts'

/**
 * REPORT.md's "Tuning" section, for a sweep folder that `teacache tune` made: the gate, every
 * candidate schedule with what was measured of it, the choice and its held-out check, and what the
 * search cost against a full sweep. Made from tune.json and the report's own speedups.
 */
export async function readTuning(dir: string): Promise<TuneRecord | null> {
  const text = await fs.readFile(join(dir, TUNE_FILE), 'utf8').catch(() => null)
  if (text === null) return null
  try {
    const record = JSON.parse(text) as TuneRecord
    return record.format === 'teacache-tune/1' && Array.isArray(record.candidates) ? record : null
  } catch {
    return null
  }
}

const num = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? (x === Infinity ? '∞' : '—') : x.toFixed(Math.abs(x) >= 10 ? 2 : 4))

export function tuningSection(tune: TuneRecord | null, data: ReportData): string[] {
  if (!tune) return []
  const metrics = tune.gate.map((b) => b.metric)
  const headline = (t: number) => {
    const c = data.columns.find((col) => col.threshold === t && !col.method && col.compile === 'none')
    return c?.speedup == null ? '—' : `${speedup(c.speedup)} ${intervalText(c.interval)}`
  }
  const rows = tune.candidates.map((c) => [
    String(c.threshold),
    `${c.computed_steps}/${c.steps}`,
    c.tried ? (c.pass ? 'passes' : 'fails') : 'not run',
    ...metrics.map((m) => (c.worst ? num(c.worst[m]) : '—')),
    c.tried ? headline(c.threshold) : '—',
  ])
  const lines = [
    '## Tuning', '',
    `\`teacache tune\` looked for the fastest TeaCache schedule keeping the gate \`${tune.gate_text}\` on ${tune.quantile === 0 ? 'every' : `the ${tune.quantile} quantile of the`} tuning prompt x seed (prompts ${tune.tuning.prompts.map((p) => `p${p}`).join(', ')}; seeds ${tune.tuning.seeds.join(', ')}). ` +
      `The ${tune.cost.schedules} distinct schedules come from the first baseline's indicator (as \`plan\` replays it), mildest first; the search bisects them, assuming quality falls as steps fall.`,
    '',
    mdTable(['threshold', 'computed', 'gate', ...metrics.map((m) => `worst ${m}`), 'speedup'], rows),
    '',
  ]
  if (tune.violations.length) {
    lines.push(`- ⚠ Quality did not fall with steps between ${tune.violations.map(([a, b]) => `${a} and ${b}`).join(', ')}: the search then ran the choice's untried neighbours, if any.`)
  }
  if (tune.choice) {
    lines.push(`- Choice: threshold ${tune.choice.threshold} (${tune.choice.computed_steps} of ${tune.choice.steps} steps computed), written as [${TUNED_CONFIG}](${TUNED_CONFIG}) (a \`teacache run\` config).`)
  } else {
    const best = tune.best_failed
    lines.push(`- No schedule keeps the gate${best ? `: the mildest tried, threshold ${best.threshold}, misses by ${Object.entries(best.margin).filter(([, m]) => (m as number) < 0).map(([k, m]) => `${k} ${Math.abs(m as number).toPrecision(3)}`).join(', ')}` : ''}.`)
  }
  if (tune.held_out) {
    lines.push(`- Held-out prompts (${tune.holdout!.prompts.map((p) => `p${p}`).join(', ')}, never used by the search): the gate ${tune.held_out.pass ? 'held' : '**did not hold**'}, worst ${Object.entries(tune.held_out.worst).map(([k, v]) => `${k} ${num(v as number)}`).join(', ')} (margin ${Object.entries(tune.held_out.margin).map(([k, v]) => `${k} ${num(v as number)}`).join(', ')}).`)
  } else if (tune.choice) {
    lines.push('- No held-out prompts were given (`--holdout N` or `--holdout-prompts FILE`): the choice is checked only on the prompts it was tuned on.')
  }
  lines.push(`- Cost: ${tune.cost.generations} generations for ${tune.cost.tuning_groups} tuning prompt x seed group(s)${tune.held_out ? ' and the held-out check' : ''}; a full sweep of every distinct schedule would make ${tune.cost.full_sweep} (the bisection's bound: ${tune.cost.bound}). Timing rounds come on top (see "Timing sessions").`, '')
  return lines
}
