import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import chromium from '@sparticuz/chromium'
import puppeteer, { type Browser } from 'puppeteer-core'
import { PROJECT_ROOT } from '../../src/python/interpreter.ts'

/**
 * Headless Chromium for the page tests, from the npm package @sparticuz/chromium (the binary
 * ships inside it, so `npm install` is all a fresh clone needs). The package unpacks it into
 * os.tmpdir(); here that is a folder under node_modules/.cache, unpacked once per version and
 * renamed into place whole, so the temp folder gets no litter and two test files unpacking at
 * once cannot leave half a binary.
 */
const CACHE = join(PROJECT_ROOT, 'node_modules', '.cache', 'teacache-chromium')

/** Flags this closed network needs: without the background-networking ones Chromium's own connections are refused, many at a time. */
const FLAGS = ['--disable-dev-shm-usage', '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic']

async function unpacked(): Promise<string> {
  const version = JSON.parse(readFileSync(join(PROJECT_ROOT, 'node_modules', '@sparticuz', 'chromium', 'package.json'), 'utf8')).version as string
  const home = join(CACHE, version)
  if (existsSync(join(home, 'chromium'))) return home
  mkdirSync(CACHE, { recursive: true })
  const scratch = mkdtempSync(join(CACHE, '.unpack-'))
  const saved = process.env.TMPDIR
  process.env.TMPDIR = scratch
  try {
    await chromium.executablePath()
  } finally {
    if (saved === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = saved
  }
  try {
    renameSync(scratch, home)
  } catch {
    // Another test file unpacked the same version first: use that one.
    rmSync(scratch, { recursive: true, force: true })
  }
  return home
}

/**
 * The package's fonts.conf names Lambda's folders, and its build of Chromium crashes (a FATAL
 * "Not implemented" in Skia) on any character the chosen font lacks, as it has no font fallback.
 * So fontconfig is pointed at the system's fonts and the bundled Open Sans, with DejaVu Sans
 * (Debian's default, with the arrows, ∞, ± and dashes the report uses) first for every generic family.
 */
function fontConfig(home: string): string {
  const file = join(home, 'teacache-fonts.conf')
  const prefer = (family: string) => `<alias><family>${family}</family><prefer><family>DejaVu Sans</family><family>Open Sans</family></prefer></alias>`
  if (existsSync(file)) return file
  const scratch = `${file}.${process.pid}`
  writeFileSync(scratch, `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
<dir>/usr/share/fonts</dir><dir>/usr/local/share/fonts</dir><dir>${join(home, 'fonts', 'fonts')}</dir>
<cachedir>${join(home, 'fonts-cache')}</cachedir>
${['sans-serif', 'serif', 'monospace', 'system-ui', 'Helvetica', 'Arial'].map(prefer).join('\n')}
</fontconfig>
`)
  renameSync(scratch, file)
  return file
}

export interface TestBrowser {
  browser: Browser
  close(): Promise<void>
}

export async function launchBrowser(): Promise<TestBrowser> {
  const home = await unpacked()
  const profile = mkdtempSync(join(tmpdir(), 'tc-chrome-'))
  try {
    const browser = await puppeteer.launch({
      executablePath: join(home, 'chromium'),
      headless: true,
      args: [...FLAGS, `--user-data-dir=${profile}`],
      env: { ...process.env, FONTCONFIG_FILE: fontConfig(home), HOME: profile },
    })
    return {
      browser,
      async close() {
        await browser.close().catch(() => {})
        rmSync(profile, { recursive: true, force: true })
      },
    }
  } catch (error) {
    rmSync(profile, { recursive: true, force: true })
    throw error
  }
}
