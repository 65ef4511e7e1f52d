/**
 * How long the reports of a large sweep take: `node --import tsx bench/report-scale.ts [--prompts N[,M...]]`.
 * For each size, fabricates a sweep folder of N prompts x 1 seed x (baseline + 3 thresholds) in a
 * temporary folder (bench/fabricate-sweep.ts), times `teacache report DIR --no-videos` as a user
 * runs it (a fresh process: start-up included) with the CPU time it used: first with no index in
 * the folder (it reads every record and writes .teacache-index.json, as a sweep's own report
 * does), FIRST_RUNS times on the default read threads and on one in turn, then WARM_RUNS times
 * through the index; then each phase of writeReport on its own in
 * this process, and writes bench/results/report-scale.{json,md}.
 * The temporary folder is removed at the end, also on failure or Ctrl-C.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { mkdir, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describeMachine, finishMachine, type Machine } from '../src/bench/machine.ts'
import { TeacacheError } from '../src/errors.ts'
import { lpipsStatus } from '../src/quality/lpips.ts'
import { renderChart } from '../src/report/chart.ts'
import { collectSweep } from '../src/report/collect.ts'
import { MIN_THREADED_READS, READ_THREADS_ENV, readThreads } from '../src/report/read-threads.ts'
import { INDEX_FILE, SETTLE_MS } from '../src/report/record-index.ts'
import { CHART, measureQuality } from '../src/report/generate.ts'
import { EMBEDDED_GROUPS } from '../src/report/html/model.ts'
import { HTML_REPORT, writeHtmlReport } from '../src/report/html/write.ts'
import { renderReport } from '../src/report/markdown.ts'
import { buildReportData } from '../src/report/summary.ts'
import { REPORT } from '../src/sweep/manifest.ts'
import { writeFileAtomic } from '../src/util/fs.ts'
import { fabricateSweep } from './fabricate-sweep.ts'

const RESULTS = new URL('./results/', import.meta.url)
const PHASES = ['collect', 'quality cache reads', 'buildReportData', 'chart', 'markdown', 'html'] as const
type Phase = (typeof PHASES)[number]

interface Measurement {
  prompts: number
  runs: number
  fabricate_s: number
  /** The first `teacache report DIR --no-videos`, with no index (it reads every record and writes the index): the median of FIRST_RUNS. */
  first_s: number
  first_cpu_s: number | null
  /** The same with TEACACHE_READ_THREADS=1: every record read on the report's own thread. */
  first_one_thread_s: number
  first_one_thread_cpu_s: number | null
  /** The read threads a report uses here by default (where it has enough reads to use them at all). */
  read_threads: number
  /** The median of WARM_RUNS later reports through the index, each in a fresh process from its start to its exit. */
  whole_s: number
  /** The CPU seconds that median run used (user + system, all its threads); null where /proc is missing. */
  whole_cpu_s: number | null
  /** Every warm run's wall time. */
  warm_s: number[]
  index_bytes: number
  phases_s: Record<Phase, number>
  /** markdown + html: what issue 20 bounds at 10 s for 10,000 prompts. */
  reports_s: number
  report_bytes: { markdown: number; html: number }
  load_average: number
}

function parsePrompts(argv: string[]): number[] {
  const at = argv.indexOf('--prompts')
  if (at === -1) return [10_000]
  const text = argv[at + 1] ?? ''
  const sizes = text.split(',').map((s) => Number(s.trim()))
  if (!text || sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 100_000)) {
    throw new TeacacheError('INPUT', `--prompts: expected a whole number of prompts from 1 to 100000, or a comma-separated list of them (got "${text}")`)
  }
  return sizes
}

async function timed<T>(run: () => Promise<T> | T): Promise<[T, number]> {
  const start = performance.now()
  const value = await run()
  return [value, (performance.now() - start) / 1000]
}

async function measure(prompts: number, machine: Machine): Promise<Measurement> {
  const root = mkdtempSync(join(tmpdir(), 'teacache-report-scale-'))
  const forget = () => rmSync(root, { recursive: true, force: true })
  const interrupted = () => {
    forget()
    process.exit(130)
  }
  process.once('SIGINT', interrupted)
  try {
    const dir = join(root, 'sweep')
    const [{ runs }, fabricate] = await timed(() => fabricateSweep(dir, prompts))
    const lpips = await lpipsStatus()
    // The fabricated files' writes reach the disk first: timed during their write-back, the report measured the disk.
    spawnSync('sync')
    // A sweep's records are hours old when it is reported; files changed within the last seconds are not indexed.
    await new Promise((settled) => setTimeout(settled, SETTLE_MS + 500))
    // The first report, with no index, on the default read threads and on one, in turn (A B A B ...) so a drift in
    // the machine's speed falls on both; the index is removed before each. The last writes the index the warm runs use.
    const firsts = { threads: [] as Timed[], one: [] as Timed[] }
    for (let i = 0; i < FIRST_RUNS; i++) {
      for (const [kind, env] of [['one', { [READ_THREADS_ENV]: '1' }], ['threads', {}]] as const) {
        rmSync(join(dir, INDEX_FILE), { force: true })
        firsts[kind].push(timedReport(dir, env))
      }
    }
    const first = medianOf(firsts.threads)
    const firstOne = medianOf(firsts.one)
    const warm = Array.from({ length: WARM_RUNS }, () => timedReport(dir)).sort((a, b) => a.wall - b.wall)
    const median = medianOf(warm)
    const index = (await stat(join(dir, INDEX_FILE))).size
    // The same work again, phase by phase, as writeReport does it.
    const [collected, collect] = await timed(() => collectSweep(dir))
    const [quality, reads] = await timed(() => measureQuality(collected, { series: (run) => run.spec.group < EMBEDDED_GROUPS }))
    const [data, build] = await timed(() => buildReportData(collected, quality, lpips))
    const [, chart] = await timed(() => writeFileAtomic(join(dir, CHART), renderChart(data.columns)))
    const [markdown, md] = await timed(async () => {
      const text = renderReport(data, { chart: CHART, videos: [], html: HTML_REPORT }, `teacache report ${dir}`)
      await writeFileAtomic(join(dir, REPORT), text)
      return text
    })
    const [path, html] = await timed(() => writeHtmlReport(dir, data, collected, quality, `teacache report ${dir}`))
    const { size } = await stat(path)
    const phases: Record<Phase, number> = { collect, 'quality cache reads': reads, buildReportData: build, chart, markdown: md, html }
    return {
      prompts, runs, fabricate_s: fabricate, first_s: first.wall, first_cpu_s: first.cpu, first_one_thread_s: firstOne.wall, first_one_thread_cpu_s: firstOne.cpu, read_threads: readThreads(), whole_s: median.wall, whole_cpu_s: median.cpu, warm_s: warm.map((w) => w.wall),
      index_bytes: index, phases_s: phases, reports_s: md + html,
      report_bytes: { markdown: Buffer.byteLength(markdown), html: size }, load_average: finishMachine(machine).load_average_end!,
    }
  } finally {
    process.off('SIGINT', interrupted)
    forget()
  }
}

const WARM_RUNS = 3
const FIRST_RUNS = 3

type Timed = { wall: number; cpu: number | null }
/** The run of median wall time. */
const medianOf = (runs: Timed[]) => [...runs].sort((a, b) => a.wall - b.wall)[runs.length >> 1]

/** The command a user runs, its wall and CPU seconds; its output is not needed, its exit code is. */
function timedReport(dir: string, env: NodeJS.ProcessEnv = {}): Timed {
  const bin = fileURLToPath(new URL('../bin/teacache.mjs', import.meta.url))
  const cpu = childCpuSeconds()
  const start = performance.now()
  const result = spawnSync(process.execPath, [bin, 'report', dir, '--no-videos', '--quiet'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...env } })
  const wall = (performance.now() - start) / 1000
  const used = childCpuSeconds()
  if (result.status !== 0) throw new Error(`teacache report exited with ${result.status ?? result.signal}`)
  return { wall, cpu: cpu === null || used === null ? null : used - cpu }
}

/** CPU seconds of this process's waited-for children (Linux: /proc/self/stat cutime + cstime); null elsewhere. */
function childCpuSeconds(): number | null {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')
    // After "pid (comm) ": state is field 3, so cutime (16) and cstime (17) are at 13 and 14.
    return (Number(fields[13]) + Number(fields[14])) / 100
  } catch {
    return null
  }
}

const s = (x: number) => x.toFixed(2)

function table(results: readonly Measurement[]): string {
  const cpu = (x: number | null) => (x === null ? '—' : s(x))
  const header = ['prompts', 'runs', 'first report, no index (s)', 'its CPU (s)', 'the same on one read thread (s)', 'its CPU (s)', '`teacache report` (s)', 'its CPU (s)', 'warm runs (s)', 'index (MB)', ...PHASES.map((p) => `${p} (s)`), 'markdown + html (s)', 'load after']
  const rows = results.map((r) => [
    String(r.prompts), String(r.runs), s(r.first_s), cpu(r.first_cpu_s), s(r.first_one_thread_s), cpu(r.first_one_thread_cpu_s), s(r.whole_s), cpu(r.whole_cpu_s), r.warm_s.map(s).join(', '), (r.index_bytes / 1e6).toFixed(1),
    ...PHASES.map((p) => s(r.phases_s[p])), s(r.reports_s), r.load_average.toFixed(2),
  ])
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

async function main(): Promise<number> {
  let sizes: number[]
  try {
    sizes = parsePrompts(process.argv.slice(2))
  } catch (error) {
    console.error(`report-scale: ${(error as Error).message}`)
    return 2
  }
  const machine = describeMachine()
  const results: Measurement[] = []
  for (const prompts of sizes) {
    console.error(`report-scale: ${prompts} prompts (${prompts * 4} runs)...`)
    results.push(await measure(prompts, machine))
  }
  const done = finishMachine(machine)
  const command = `node --import tsx bench/report-scale.ts --prompts ${sizes.join(',')}`
  const text = [
    '# Report time at scale', '',
    `\`${command}\`, ${new Date().toISOString()}, on ${done.cpu_model} (${done.cores} cores, ${done.memory_gib} GiB), load average ${done.load_average_start.toFixed(2)} at the start, ${done.load_average_end!.toFixed(2)} at the end.`, '',
    'Each sweep: N prompts x 1 seed x (baseline + 3 thresholds), 50 steps, 81 frames, quality.json present (no frames are measured). ' +
      '`teacache report` is the whole command without videos, in a fresh process (wall time from its start to its exit, and the CPU time it used: ' +
      'on a busy machine the wall time measures the neighbours too). The first report finds no index and reads every record, as a sweep\'s own report at its end does, ' +
      `and writes .teacache-index.json: the median of ${FIRST_RUNS}, on the default read threads (${results[0]?.read_threads ?? readThreads()} here, used from ${MIN_THREADED_READS.toLocaleString('en-US')} reads of one kind on) ` +
      `and, in turn with them, on one (TEACACHE_READ_THREADS=1), the index removed before each. \`teacache report\` is the median of ${WARM_RUNS} reports after them, through the index. ` +
      'The phases are the same work timed one by one in the bench\'s own process after them.', '',
    table(results), '',
  ].join('\n')
  await mkdir(RESULTS, { recursive: true })
  await writeFile(new URL('report-scale.json', RESULTS), `${JSON.stringify({ date: new Date().toISOString(), command, machine: done, results }, null, 2)}\n`)
  await writeFile(new URL('report-scale.md', RESULTS), text)
  console.log(text)
  return 0
}

process.exitCode = await main()
