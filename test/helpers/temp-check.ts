import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'

/**
 * vitest globalSetup: the run gets a temp folder of its own (TMPDIR, inherited by the test
 * workers and every process they start), checked at the end: anything a test or a command it ran
 * left there fails the run, listed by name, and the folder is removed either way. A private
 * folder, not a before/after listing of the shared one: other processes on the machine (another
 * test run included) may come and go there meanwhile.
 */

// Compile caches, not litter: tsx's, and torch.compile's where a compiling test's Python still
// put it in the run's temp folder (it is removed with the folder).
const CACHE = /^(tsx-\d+|torchinductor_.+)$/

export default function setup(): () => void {
  const outer = tmpdir()
  const saved = { TMPDIR: process.env.TMPDIR, TORCHINDUCTOR_CACHE_DIR: process.env.TORCHINDUCTOR_CACHE_DIR }
  const folder = mkdtempSync(join(outer, 'tc-suite-'))
  process.env.TMPDIR = folder
  // torch.compile's cache stays where it would be without this folder: compile tests stay warm between runs.
  process.env.TORCHINDUCTOR_CACHE_DIR ??= join(outer, `torchinductor_${user()}`)
  return () => {
    const left = readdirSync(folder).filter((name) => !CACHE.test(name))
    rmSync(folder, { recursive: true, force: true, maxRetries: 3 })
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
    if (left.length === 0) return
    process.stderr.write(
      `\nteacache tests: the run left ${left.length} thing(s) in the temp folder: ${left.sort().join(', ')}\n` +
        '  A test makes its folders with tempDir() from test/helpers/temp.ts (removed after its file, also on failure),\n' +
        "  and hands what a process it ran leaves behind (a killed run's Python log) to removeLater().\n" +
        '  (They were in a temp folder of this run only, now removed.)\n',
    )
    process.exitCode = 1
  }
}

/** The user name as Python's getpass.getuser() finds it, which names torch's default cache folder. */
function user(): string {
  const { LOGNAME, USER, LNAME, USERNAME } = process.env
  try {
    return LOGNAME || USER || LNAME || USERNAME || userInfo().username
  } catch {
    return 'unknown'
  }
}
