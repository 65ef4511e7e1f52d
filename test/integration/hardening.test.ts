import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'
import { describe, expect, it } from 'vitest'
import type { RunRecord } from '../../src/run/record.ts'
import { BIN, pythonTripwire, teacache, tempDir } from '../helpers/cli.ts'
import { TINY_CONFIG } from '../helpers/configs.ts'
import { hold } from '../helpers/hold.ts'
import { childrenOf } from '../helpers/processes.ts'
import { makeSweepFixture } from '../fixtures/sweep.ts'

/** Config and environment edges: each fails in one line before any work, or just works. */
const tiny = TINY_CONFIG.replace('steps: 20', 'steps: 2')
const logsIn = (dir: string) => readdirSync(dir).filter((name) => name.startsWith('teacache-python-'))

describe('config and environment hardening', () => {
  it('a YAML alias bomb is exit 2 in one line, before Python', async () => {
    const dir = tempDir('tc-hard-')
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for (const [i, name] of ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].entries()) {
      const prev = String.fromCharCode(97 + i)
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`)
    }
    writeFileSync(join(dir, 'bomb.yaml'), `${levels.join('\n')}\n${tiny}`)
    const trip = pythonTripwire()
    const result = await teacache(['run', join(dir, 'bomb.yaml'), '--output', join(dir, 'out')], { env: trip.env })
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toBe(`teacache: ${join(dir, 'bomb.yaml')}: YAML: expected at most 100 alias expansions (a YAML "alias bomb" expands to billions of values)`)
    expect(readdirSync(dir)).toEqual(['bomb.yaml'])
    expect(trip.started()).toBe(false)
  })

  it('output: ~/runs is the home folder\'s runs, not a folder named "~"', async () => {
    const dir = tempDir('tc-hard-')
    const home = join(dir, 'home')
    mkdirSync(home)
    writeFileSync(join(dir, 'c.yaml'), `${tiny}output: ~/runs\n`)
    const result = await teacache(['run', join(dir, 'c.yaml'), '--quiet'], { env: { HOME: home } })
    expect(result.exitCode).toBe(0)
    expect(readdirSync(dir).sort()).toEqual(['c.yaml', 'home'])
    const [run] = readdirSync(join(home, 'runs'))
    expect(run).toMatch(/^c-\d{8}-\d{6}$/)
    expect((JSON.parse(readFileSync(join(home, 'runs', run, 'run.json'), 'utf8')) as RunRecord).status).toBe('completed')
  })

  it.each([
    { what: 'a run --output longer than PATH_MAX', args: (d: string) => ['run', join(d, 'c.yaml'), '--output', join(d, ...Array(40).fill('x'.repeat(120)))], message: /^teacache: --output: the path is too long \(\d+ bytes, and teacache writes up to 64 more inside it; this system allows 4095\): / },
    { what: 'a folder name longer than NAME_MAX', args: (d: string) => ['run', join(d, 'c.yaml'), '--output', join(d, 'n'.repeat(256))], message: /^teacache: --output: a folder or file name in the path is too long \(256 bytes; this system allows 255 per name\)/ },
    { what: 'a config output: too long', args: (d: string) => ['run', join(d, 'long.yaml')], message: /^teacache: output: the path is too long/ },
    { what: 'a sweep --output too long', args: (d: string) => ['sweep', join(d, 'c.yaml'), '--output', join(d, ...Array(34).fill('s'.repeat(120)))], message: /^teacache: --output: the path is too long/ },
    { what: 'a calibrate --output too long', args: (d: string) => ['calibrate', join(d, 'c.yaml'), '--output', join(d, `${'k'.repeat(300)}.yaml`)], message: /^teacache: --output: a folder or file name in the path is too long/ },
  ])('$what is refused with exit 2 before Python starts', async ({ args, message }) => {
    const dir = tempDir('tc-hard-')
    // Enough steps for calibrate's own check (which comes first) to pass.
    writeFileSync(join(dir, 'c.yaml'), TINY_CONFIG.replace('steps: 20', 'steps: 8'))
    writeFileSync(join(dir, 'long.yaml'), `${tiny}output: ${join(dir, ...Array(40).fill('y'.repeat(120)))}\n`)
    const trip = pythonTripwire()
    const result = await teacache(args(dir), { env: trip.env })
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(message)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(readdirSync(dir).sort()).toEqual(['c.yaml', 'long.yaml'])
    expect(trip.started()).toBe(false)
  })

  it.each([
    { what: 'read-only (/proc)', tmp: () => '/proc' },
    { what: 'missing, and impossible to create', tmp: () => join(tempDir('tc-hard-'), 'a-file', 'tmp') },
  ])('a TMPDIR that is $what does not break --help', async ({ tmp }) => {
    const dir = tmp()
    if (dir.includes('a-file')) writeFileSync(join(dir, '..'), '')
    const result = await teacache(['--help'], { env: { TMPDIR: dir } })
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(/^Usage: teacache \[options\] \[command\]/)
  })

  it('report with an unusable TMPDIR still draws its comparison videos, leaving no scratch files', async () => {
    const dir = join(tempDir('tc-hard-'), 'sweep')
    makeSweepFixture(dir, { grid: { prompts: ['a'], seeds: [1], thresholds: [0.5] }, run: () => ({ status: 'completed', denoise: 2, decode: 1, shift: 3, schedule: [true, false, true, true] }) })
    const result = await teacache(['report', dir, '--quiet'], { env: { TMPDIR: '/proc' } })
    expect(result.exitCode).toBe(0)
    expect(readdirSync(dir).sort()).toEqual(['.teacache-index.json', 'REPORT.html', 'REPORT.md', 'chart.svg', 'compare-p0-s1.mp4', 'p0-s1', 'sweep.json'])
  })

  it('a run with an unusable TMPDIR still works, its Python log going elsewhere', async () => {
    const dir = tempDir('tc-hard-')
    writeFileSync(join(dir, 'c.yaml'), tiny)
    const result = await teacache(['run', join(dir, 'c.yaml'), '--output', join(dir, 'out'), '--quiet'], { env: { TMPDIR: '/proc' } })
    expect(result.exitCode).toBe(0)
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['frames', 'run.json', 'video.mp4'])
  })

  it('the Python log does not pile up: removed after a run, kept (and named) when Python died', async () => {
    const dir = tempDir('tc-hard-')
    const tmp = join(dir, 'tmp')
    mkdirSync(tmp)
    writeFileSync(join(dir, 'c.yaml'), tiny)
    const ok = await teacache(['run', join(dir, 'c.yaml'), '--output', join(dir, 'ok'), '--quiet'], { env: { TMPDIR: tmp } })
    expect(ok.exitCode).toBe(0)
    expect(logsIn(tmp)).toEqual([])

    // Held mid-run (test/helpers/hold.ts) while Python is killed.
    const held = hold(1)
    const child = execa(process.execPath, [BIN, 'run', join(dir, 'c.yaml'), '--output', join(dir, 'killed')], { reject: false, stdin: 'ignore', env: { TMPDIR: tmp, ...held.env } })
    const [python] = await held.reached(child)
    expect(childrenOf(child.pid!, 'interface.py')).toEqual([python])
    process.kill(python, 'SIGKILL')
    const died = await child
    expect(died.exitCode).toBe(1)
    const named = /exited unexpectedly \(signal SIGKILL\); see (\S+)$/m.exec(String(died.stderr))
    expect(named).not.toBeNull()
    expect(logsIn(tmp)).toEqual([named![1].split('/').at(-1)])
    expect(existsSync(named![1])).toBe(true)
  })
})
