import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { REPORT } from '../../sweep/manifest.ts'
import { writeFileAtomic } from '../../util/fs.ts'
import type { Collected } from '../collect.ts'
import type { QualityResult, ReportData } from '../summary.ts'
import { renderPage, type PageAssets } from './document.ts'
import { pageModel } from './model.ts'

/** REPORT.html beside REPORT.md: written whenever REPORT.md is, from the same figures. */
export const HTML_REPORT = 'REPORT.html'

let assets: Promise<PageAssets> | null = null

/** The page's own style and scripts, kept as files beside this one (read once a process). */
function pageAssets(): Promise<PageAssets> {
  const read = (name: string) => fs.readFile(new URL(`./${name}`, import.meta.url), 'utf8')
  assets ??= Promise.all([read('page.css'), read('frames.js'), read('curves.js'), read('player.js')]).then(([css, ...scripts]) => ({ css, scripts }))
  return assets
}

/** `embeddedGroups`: how many prompt x seed groups carry their per-frame series inside the page (model.ts). */
export async function writeHtmlReport(dir: string, data: ReportData, collected: Collected, quality: ReadonlyMap<string, QualityResult>, command: string, options: { embeddedGroups?: number } = {}): Promise<string> {
  const path = join(dir, HTML_REPORT)
  const page = renderPage(data, pageModel(data, collected, quality, command, options.embeddedGroups), await pageAssets(), { markdown: REPORT })
  await writeFileAtomic(path, page)
  return path
}
