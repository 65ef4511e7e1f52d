import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { execa } from 'execa'
import { describe, expect, it } from 'vitest'
// @ts-expect-error: a plain .mjs script, without types
import { RUNNERS } from '../../scripts/test.mjs'
import { ROOT } from '../helpers/cli.ts'
import { tempDir } from '../helpers/temp.ts'
import { until } from '../helpers/processes.ts'

/**
 * scripts/test.mjs (npm test) with stand-in runners: small scripts that note that they ran (a file
 * named after them) and exit with a given code. The suite runs in a child process, as npm runs it.
 */
interface Runner {
  name: string
  args: string[]
  privateTemp?: boolean
}

function fake(dir: string, name: string, code: number, extra = ''): Runner {
  const script = join(dir, `${name}.mjs`)
  writeFileSync(script, `import { writeFileSync } from 'node:fs'\nwriteFileSync(${JSON.stringify(join(dir, `ran-${name}`))}, process.env.TMPDIR ?? '')\n${extra}\nprocess.exit(${code})\n`)
  return { name, args: [script] }
}

function suite(runners: Runner[]) {
  const url = pathToFileURL(join(ROOT, 'scripts', 'test.mjs')).href
  const program = `const { runSuite } = await import(${JSON.stringify(url)}); process.exit(await runSuite(JSON.parse(process.env.RUNNERS)))`
  return execa(process.execPath, ['--input-type=module', '-e', program], { env: { RUNNERS: JSON.stringify(runners) }, reject: false, stdin: 'ignore' })
}

const ran = (dir: string) => readdirSync(dir).filter((name) => name.startsWith('ran-')).map((name) => name.slice(4)).sort()

describe('npm test (scripts/test.mjs)', () => {
  it('runs the type check, vitest and pytest, in that order', () => {
    expect(RUNNERS.map((r: Runner) => r.name)).toEqual(['type check (tsc --noEmit)', 'vitest', 'pytest'])
    for (const runner of RUNNERS as Runner[]) expect(existsSync(runner.args[0])).toBe(true)
  })

  it.each([
    { codes: [0, 0, 0], exit: 0, last: '3 passed, 0 failed', failed: [] as string[] },
    { codes: [0, 1, 0], exit: 1, last: '2 passed, 1 failed', failed: ['b'] },
    { codes: [2, 0, 0], exit: 1, last: '2 passed, 1 failed', failed: ['a'] },
    { codes: [1, 1, 1], exit: 1, last: '0 passed, 3 failed', failed: ['a', 'b', 'c'] },
  ].map((c) => ({ ...c, label: c.codes.join(', ') })))('runners exiting $label: every runner runs, exit $exit, "$last" on the last line', async ({ codes, exit, last, failed }) => {
    const dir = tempDir('tc-suite-test-')
    const result = await suite(codes.map((code, i) => fake(dir, 'abc'[i], code)))
    expect(result.exitCode).toBe(exit)
    expect(ran(dir)).toEqual(['a', 'b', 'c'])
    const lines = result.stdout.trim().split('\n')
    expect(lines.at(-1)).toBe(`teacache suite: ${last}`)
    for (const [i, name] of ['a', 'b', 'c'].entries()) {
      expect(lines).toContain(`teacache suite: ${name}: ${failed.includes(name) ? `FAILED (exit ${codes[i]})` : 'passed'}`)
    }
  })

  it('gives a runner that asks for it a temp folder of its own, removed after it', async () => {
    const dir = tempDir('tc-suite-test-')
    const result = await suite([{ ...fake(dir, 'a', 0), privateTemp: true }, fake(dir, 'b', 0)])
    expect(result.exitCode).toBe(0)
    const own = readFileSync(join(dir, 'ran-a'), 'utf8')
    expect(own.startsWith(join(tmpdir(), 'tc-pytest-'))).toBe(true)
    expect(existsSync(own)).toBe(false)
    expect(readFileSync(join(dir, 'ran-b'), 'utf8')).toBe(tmpdir())
  })

  it('refuses arguments with exit 2 before running anything (they would be silently ignored)', async () => {
    const result = await execa(process.execPath, [join(ROOT, 'scripts', 'test.mjs'), 'test/x.test.ts'], { reject: false, stdin: 'ignore' })
    expect(result.exitCode).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe('teacache suite: npm test takes no arguments (got test/x.test.ts); run one test file with npx vitest run <file>')
  })

  it('SIGTERM stops the runner at work and starts no more: exit 143, the rest said not run', async () => {
    const dir = tempDir('tc-suite-test-')
    // b waits for ever once it has noted that it runs.
    const child = suite([fake(dir, 'a', 0), fake(dir, 'b', 0, 'await new Promise(() => setInterval(() => {}, 1000))'), fake(dir, 'c', 0)])
    await until(() => existsSync(join(dir, 'ran-b')))
    child.kill('SIGTERM')
    const result = await child
    expect(result.exitCode).toBe(143)
    expect(ran(dir)).toEqual(['a', 'b'])
    expect(result.stdout).toContain('teacache suite: b: FAILED (exit 143)')
    expect(result.stdout).toContain('teacache suite: c: not run (stopped by SIGTERM)')
    expect(result.stdout.trim().split('\n').at(-1)).toBe('teacache suite: 1 passed, 2 failed')
  })
})
