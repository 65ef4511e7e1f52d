import { seconds } from './format.ts'
import { groupTitle } from './latency.ts'
import { processName } from './suspect.ts'
import type { ReportData } from './summary.ts'
import { coldStart, describePlace, type Process } from './placement.ts'

/**
 * Where each group ran and what each process did before its first timed run: the facts a reader
 * needs to trust that a baseline and its thresholds were timed alike.
 */
const short = (id: string) => id.slice(id.indexOf('/') + 1)
const span = (values: number[]) => {
  const lo = Math.min(...values)
  const hi = Math.max(...values)
  return lo === hi ? `${seconds(lo)} s` : `${seconds(lo)}–${seconds(hi)} s`
}

/** The Setup row on warm-up: how long it took, that latency excludes it, and which processes had none. */
export function warmupText(processes: readonly Process[]): string {
  if (processes.length === 0) return '—'
  const warmed = processes.filter((p) => !coldStart(p))
  const parts: string[] = []
  if (warmed.length) {
    const compile = warmed.map((p) => p.compile ?? 0)
    parts.push(
      `${span(warmed.map((p) => p.warmup!))}${warmed.length === processes.length ? (warmed.length > 1 ? ` in each of ${warmed.length} processes` : '') : ` in ${warmed.length} of ${processes.length} processes`}` +
        (compile.some((c) => c > 0) ? `, torch.compile ${span(compile)} of it` : '') +
        ', untimed, before the first timed run; not part of any latency',
    )
  }
  for (const p of processes.filter(coldStart)) {
    parts.push(`none in ${processName(p)}: its first run \`${p.runs[0]}\` may be slow and is a likely suspect`)
  }
  return parts.join('; ')
}

export function placementSection(data: ReportData): string[] {
  const recorded = data.groups.some((g) => g.placement.workers.length > 0)
  if (!data.groups.some((g) => g.placement.workers.length || g.placement.unrecorded.length)) return []
  const lines = ['## Where each group ran', '']
  if (!recorded) {
    return [...lines, 'Not recorded: these run.json files have no `worker` (an older teacache wrote them), so whether each baseline and its thresholds shared a device and a process is unknown.', '']
  }
  lines.push('A speedup compares two timings; they are comparable only when the baseline and the threshold ran in one process on one device.', '')
  for (const g of data.groups) {
    const { workers, unrecorded } = g.placement
    const places = [
      ...workers.map((w) => (workers.length > 1 || unrecorded.length ? `${describePlace(w.worker)} (${w.runs.map(short).join(', ')})` : describePlace(w.worker))),
      ...(unrecorded.length ? [`not recorded (${unrecorded.map(short).join(', ')})`] : []),
    ]
    if (places.length) lines.push(`- ${groupTitle(g.promptIndex, g.seed)}: ${g.placement.split ? '⚠ split: ' : ''}${places.join('; ')}`)
  }
  const split = data.groups.filter((g) => g.placement.split)
  if (split.length) {
    lines.push('', `⚠ In ${split.length} group(s) (${split.map((g) => g.id).join(', ')}) the baseline and a threshold ran on different hosts, devices or processes: ` +
      'those speedups are marked suspect (different worker).')
  }
  return [...lines, '']
}
