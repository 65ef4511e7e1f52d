import { spawn, type ChildProcess } from 'node:child_process'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { execa } from 'execa'
import { BIN_PATH, PROJECT_ROOT } from '../python/interpreter.ts'
import { collectSweep } from '../report/collect.ts'
import { columnTitle } from '../report/format.ts'
import { buildReportData } from '../report/summary.ts'
import { SUSPECT_FACTOR } from '../report/bound.ts'

/**
 * The sweep's speedups on a busy machine: the same tiny sweep run quiet and with busy loops (CPU
 * spinners this bench starts and stops itself) competing for the cores, then grown by one
 * threshold under the same load. What it checks is what the report promises: no headline outside
 * its bounds, an interval beside every headline, a headline for the grown column.
 */

export interface BusyColumn {
  column: string
  computed: string
  headline: number | null
  interval: { low: number; high: number; n: number; coverage: number } | null
  ideal: number | null
  lower: number | null
  suspect: number
  completed: number
  /** The headline lies within [lower, ideal x SUSPECT_FACTOR] (true where no bound exists). */
  within: boolean
}

export interface BusyScenario {
  name: string
  loops: number
  command: string
  grow: string
  seconds: number
  load_average: number[]
  rounds: Array<{ group: string; rounds: number; stop: string }>
  columns: BusyColumn[]
  /** Every headline shown is within its bounds and has an interval; the grown column has a headline. */
  checks: { headlines_within_bounds: boolean; every_headline_has_interval: boolean; grown_column_has_headline: boolean; every_threshold_has_headline: boolean }
}

function startLoops(count: number): ChildProcess[] {
  return Array.from({ length: count }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }))
}

async function stopLoops(loops: ChildProcess[]): Promise<void> {
  await Promise.all(loops.map((child) => new Promise<void>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done()
    child.once('exit', () => done())
    child.kill('SIGKILL')
  })))
}

export async function measureBusy(options: {
  config: string
  thresholds: number[]
  grow: number
  seeds: number[]
  loops: number[]
  workDir: string
  onProgress?: (text: string) => void
}): Promise<BusyScenario[]> {
  const scenarios: BusyScenario[] = []
  for (const loops of options.loops) {
    const name = loops === 0 ? 'quiet' : `${loops} busy loops`
    const dir = join(options.workDir, `sweep-${loops}`)
    const args = ['sweep', options.config, '--thresholds', options.thresholds.join(','), '--seeds', options.seeds.join(','), '--output', dir, '--quiet']
    const grown = ['sweep', options.config, '--thresholds', [...options.thresholds, options.grow].join(','), '--seeds', options.seeds.join(','), '--output', dir, '--quiet']
    const spinners = startLoops(loops)
    const started = performance.now()
    const load: number[] = []
    try {
      for (const command of [args, grown]) {
        options.onProgress?.(`${name}: teacache ${command.join(' ')}`)
        const result = await execa(process.execPath, [BIN_PATH, ...command], { reject: false, stdin: 'ignore', cwd: PROJECT_ROOT })
        load.push(loadavg()[0])
        if (result.exitCode !== 0) throw new Error(`teacache ${command.join(' ')} exited with ${result.exitCode}: ${result.stderr.slice(-500)}`)
      }
    } finally {
      await stopLoops(spinners)
    }
    const seconds = (performance.now() - started) / 1000
    scenarios.push({ name, loops, command: `teacache ${args.join(' ')}`, grow: `teacache ${grown.join(' ')}`, seconds, load_average: load, ...(await judge(dir, options.grow)) })
  }
  return scenarios
}

async function judge(dir: string, grown: number): Promise<Pick<BusyScenario, 'rounds' | 'columns' | 'checks'>> {
  const data = buildReportData(await collectSweep(dir), new Map(), { computed: false, weights: [], reason: 'not measured by this bench' })
  const columns: BusyColumn[] = data.columns.filter((c) => !c.reference).map((c) => ({
    column: columnTitle(c),
    computed: c.computed ? `${c.computed.min}/${c.computed.steps}` : '—',
    headline: c.speedup,
    interval: c.interval && { low: c.interval.low, high: c.interval.high, n: c.interval.n, coverage: c.interval.coverage },
    ideal: c.ideal,
    lower: c.lower,
    suspect: c.excluded,
    completed: c.completed,
    within: c.speedup === null || ((c.ideal === null || c.speedup <= c.ideal * SUSPECT_FACTOR) && (c.lower === null || c.speedup >= c.lower)),
  }))
  const shown = columns.filter((c) => c.headline !== null)
  return {
    rounds: data.groups.flatMap((g) => g.sessions.map((s) => ({ group: g.id, rounds: s.rounds, stop: s.stop }))),
    columns,
    checks: {
      headlines_within_bounds: shown.every((c) => c.within),
      every_headline_has_interval: shown.every((c) => c.interval !== null && c.interval.n >= 2),
      grown_column_has_headline: columns.find((c) => c.column === `TeaCache (${grown})`)?.headline != null,
      every_threshold_has_headline: columns.every((c) => c.headline !== null),
    },
  }
}

const x = (v: number | null) => (v === null ? '—' : `${v.toFixed(2)}x`)

export function renderBusyMarkdown(results: { date: string; command: string; machine: string; scenarios: BusyScenario[] }): string {
  const lines = [
    '# Speedups on a busy machine', '',
    `\`${results.command}\` on ${results.machine}, ${results.date.slice(0, 10)}. Each scenario runs the sweep, then grows it by one threshold, with the given number of CPU busy loops (started and stopped by the bench) competing for the cores.`, '',
  ]
  for (const s of results.scenarios) {
    lines.push(`## ${s.name}`, '', `\`${s.command}\`, then \`${s.grow}\`: ${s.seconds.toFixed(0)} s, 1-minute load average ${s.load_average.map((l) => l.toFixed(1)).join(' and ')} after each.`, '')
    lines.push('| column | computed | headline | interval | ideal (upper) | least (lower) | suspect runs | within bounds |', '| --- | --- | --- | --- | --- | --- | --- | --- |')
    for (const c of s.columns) {
      const interval = c.interval ? `${c.interval.low.toFixed(2)}–${c.interval.high.toFixed(2)} (n=${c.interval.n}, ${(c.interval.coverage * 100).toFixed(0)}%)` : '—'
      lines.push(`| ${c.column} | ${c.computed} | ${c.headline === null ? 'no trustworthy measurement' : x(c.headline)} | ${interval} | ${x(c.ideal)} | ${x(c.lower)} | ${c.suspect} of ${c.completed} | ${c.headline === null ? '—' : c.within ? 'yes' : '**no**'} |`)
    }
    lines.push('', `Rounds: ${s.rounds.map((r) => `${r.group} ${r.rounds} (${r.stop})`).join(', ')}.`, '')
    lines.push(`Checks: ${Object.entries(s.checks).map(([k, v]) => `${k.replace(/_/g, ' ')}: ${v ? 'yes' : '**no**'}`).join('; ')}.`, '')
  }
  return `${lines.join('\n').trimEnd()}\n`
}
