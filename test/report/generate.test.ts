import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { writeReport } from '../../src/report/generate.ts'
import { ROOT } from '../helpers/cli.ts'
import { twoPromptFixture } from '../fixtures/sweep.ts'

/** Value (not type-only) imports reachable from a module, following relative paths. */
function reachable(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen
  seen.add(entry)
  const text = readFileSync(entry, 'utf8')
  const pattern = /(?:^|\n)\s*(import|export)\s+(?!type\s)[^'"]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g
  for (const match of text.matchAll(pattern)) reachable(resolve(dirname(entry), match[2] ?? match[3]), seen)
  return seen
}

describe('teacache report from fixture run folders', () => {
  it('writes REPORT.md, chart.svg and a comparison video per prompt and seed, the same on every regeneration', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tc-generate-'))
    twoPromptFixture(dir)
    const lpips = { computed: false as const, weights: [], reason: 'test' }
    const { path } = await writeReport(dir, { lpips })
    const first = readFileSync(path, 'utf8')
    for (const file of ['REPORT.md', 'chart.svg', 'compare-p0-s1.mp4', 'compare-p1-s1.mp4']) expect(existsSync(join(dir, file))).toBe(true)
    expect(first).toContain('[compare-p0-s1.mp4](compare-p0-s1.mp4)')
    await writeReport(dir, { lpips, videos: false })
    const again = readFileSync(path, 'utf8')
    expect(again.replace(/## Side-by-side videos[\s\S]*?(?=## )/, '')).toBe(first.replace(/## Side-by-side videos[\s\S]*?(?=## )/, ''))
  })

  it('needs a sweep folder', async () => {
    await expect(writeReport(mkdtempSync(join(tmpdir(), 'tc-empty-')))).rejects.toThrow(/not a sweep folder \(no sweep.json\)/)
  })

  it('never loads the Python bridge: report.ts reaches no module that imports pythonia', () => {
    const modules = [...reachable(join(ROOT, 'src', 'commands', 'report.ts'))].map((m) => m.slice(ROOT.length + 1))
    expect(modules).toContain('src/report/generate.ts')
    expect(modules).toContain('src/quality/ssim.ts')
    expect(modules).not.toContain('src/python/bridge.ts')
    for (const m of modules) expect(readFileSync(join(ROOT, m), 'utf8')).not.toMatch(/from 'pythonia'|import\('pythonia'\)/)
  })
})
