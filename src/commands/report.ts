import { promises as fs } from 'node:fs'
import { resolve } from 'node:path'
import { TeacacheError } from '../errors.ts'
import type { LpipsStatus } from '../quality/lpips.ts'
import { writeReport } from '../report/generate.ts'

/** `teacache report <sweep-dir>`: REPORT.md and REPORT.html from the run folders alone; never starts Python (LPIPS, asked for, comes computed). */
export async function reportCommand(dir: string, options: { videos?: boolean; quiet?: boolean; lpips?: LpipsStatus } = {}): Promise<string> {
  const sweepDir = resolve(dir)
  const isDir = await fs.stat(sweepDir).then((s) => s.isDirectory(), () => false)
  if (!isDir) throw new TeacacheError('INPUT', `${dir}: no such folder; give the folder that \`teacache sweep\` wrote`)
  const { path, data } = await writeReport(sweepDir, { videos: options.videos, lpips: options.lpips })
  if (!options.quiet) {
    const c = data.counts
    process.stdout.write(`${path}: ${c.completed} of ${c.total} runs completed${c.failed ? `, ${c.failed} failed` : ''}\n`)
  }
  return path
}
