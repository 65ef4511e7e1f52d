import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { RunRecord } from '../../src/run/record.ts'
import { BIN, ROOT, teacache, tempDir } from '../helpers/cli.ts'
import { TINY_CONFIG } from '../helpers/configs.ts'

/**
 * A full disk (ENOSPC) wherever teacache writes: one line naming the space problem and the
 * folder, exit 1, no stack trace, no cut-short file under a final name, and the failure recorded
 * where space allows. Three ways to fill the disk, each saying what it covers:
 * - a real 400 KiB tmpfs in a user namespace (kernel ENOSPC for Python, Node and ffmpeg alike),
 *   where the system allows unprivileged mounts;
 * - Python's file writes under the run folder failing at close after a partial write
 *   (test/fixtures/full-disk/sitecustomize.py): frames from the Python side;
 * - Node's writes of one named file failing after a partial write (test/fixtures/full-disk/node-full.mjs).
 */
const SHIMS = join(ROOT, 'test', 'fixtures', 'full-disk')
const tiny = TINY_CONFIG.replace('steps: 20', 'steps: 2')
const SPACE_LINE = /^teacache: no space left on the device \(ENOSPC\)( .*)? in (\/\S+): free some space there or write the output elsewhere$/

function oneSpaceLine(stderr: string): string {
  const lines = stderr.trim().split('\n').filter((l) => !l.includes('warning:'))
  expect(lines).toHaveLength(1)
  expect(stderr).not.toMatch(/internal error|\n\s+at /)
  const match = SPACE_LINE.exec(lines[0])
  expect(match).not.toBeNull()
  return match![2]
}

/** Every file under a final name is whole; no temporary file is left. */
function expectNothingCutShort(dir: string): void {
  for (const entry of readdirSync(dir, { recursive: true }).map(String)) {
    const path = join(dir, entry)
    const name = entry.split('/').at(-1)!
    expect(name).not.toMatch(/\.tmp$|\.partial\.mp4$/)
    if (name.endsWith('.png')) expect(readFileSync(path).subarray(-8).toString('latin1')).toBe('IEND\xaeB`\x82')
    if (name.endsWith('.json')) expect(() => JSON.parse(readFileSync(path, 'utf8'))).not.toThrow()
    if (name.endsWith('.mp4')) expect(readFileSync(path).includes('moov')).toBe(true)
  }
}

const canMountTmpfs = spawnSync('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs "$d"; s=$?; umount "$d" 2>/dev/null; rmdir "$d"; exit $s'], { stdio: 'ignore' }).status === 0

describe('a full disk', () => {
  it('Python cannot finish the frames: one line naming the folder, no frame cut short, the failure in run.json', async () => {
    const dir = tempDir('tc-full-')
    const out = join(dir, 'run')
    writeFileSync(join(dir, 'c.yaml'), tiny)
    const result = await teacache(['run', join(dir, 'c.yaml'), '--output', out, '--quiet'], {
      env: { PYTHONPATH: SHIMS, TEACACHE_TEST_FULL_DISK_UNDER: out, TEACACHE_TEST_FULL_DISK_BYTES: '30000' },
    })
    expect(result.exitCode).toBe(1)
    expect(oneSpaceLine(result.stderr)).toBe(join(out, 'frames'))
    expect(readdirSync(out).sort()).toEqual(['error.txt', 'run.json'])
    const record = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunRecord
    expect(record).toMatchObject({ status: 'failed', error: { code: 'DISK' }, output: { frames_dir: null, video: null } })
    expect(readFileSync(join(out, 'error.txt'), 'utf8')).toMatch(/OSError: \[Errno 28\]/)
  })

  it.each([
    { what: 'run.json', command: 'run', file: String.raw`\.run\.json\.[0-9a-f]+\.tmp$`, named: (out: string) => out, left: ['frames', 'video.mp4'] },
    { what: 'REPORT.md', command: 'sweep', file: String.raw`\.REPORT\.md\.[0-9a-f]+\.tmp$`, named: (out: string) => out, left: ['.teacache-index.json', 'REPORT.html', 'chart.svg', 'compare-p0-s42.mp4', 'p0-s42', 'sweep.json'] },
  ])('Node cannot write $what: one line naming the folder, exit 1, no half file', async ({ command, file, named, left }) => {
    const dir = tempDir('tc-full-')
    const out = join(dir, 'out')
    writeFileSync(join(dir, 'c.yaml'), tiny)
    const args = command === 'run' ? ['run', join(dir, 'c.yaml'), '--output', out, '--quiet'] : ['sweep', join(dir, 'c.yaml'), '--output', out, '--thresholds', '1', '--repeats', '2', '--quiet']
    const result = await teacache(args, { env: { NODE_OPTIONS: `--import ${join(SHIMS, 'node-full.mjs')}`, TEACACHE_TEST_NODE_FULL: file } })
    expect(result.exitCode).toBe(1)
    expect(oneSpaceLine(result.stderr)).toBe(named(out))
    expect(readdirSync(out).sort()).toEqual(left)
    expectNothingCutShort(out)
  })

  it.runIf(canMountTmpfs)('a sweep onto a real 400 KiB filesystem: one line, exit 1, nothing cut short, the failure recorded where it fitted', () => {
    const dir = tempDir('tc-full-')
    writeFileSync(join(dir, 'c.yaml'), tiny)
    const mount = join(dir, 'disk')
    const copy = join(dir, 'copy')
    mkdirSync(mount)
    // The mount lives only inside the namespace: copy what was written out of it before it goes.
    const script = `mount -t tmpfs -o size=400k tmpfs "$1" && "$2" "$3" sweep "$4" --output "$1/sweep" --thresholds 1 --quiet; code=$?; cp -a "$1/." "$5"; exit $code`
    const result = spawnSync('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', script, 'sh', mount, process.execPath, BIN, join(dir, 'c.yaml'), copy], { encoding: 'utf8', cwd: ROOT })
    expect(result.status).toBe(1)
    const folder = oneSpaceLine(result.stderr)
    expect(folder.startsWith(join(mount, 'sweep'))).toBe(true)
    const sweep = join(copy, 'sweep')
    expectNothingCutShort(sweep)
    const recorded = ['baseline', 't1'].map((id) => join(sweep, 'p0-s42', id, 'run.json')).filter(existsSync).map((f) => JSON.parse(readFileSync(f, 'utf8')) as RunRecord)
    const failed = recorded.filter((r) => r.status === 'failed')
    // Either a run met the full disk (and says so in its run.json), or only the report did (and is absent).
    if (failed.length > 0) expect(failed[0].error).toMatchObject({ code: 'DISK', message: expect.stringMatching(/no space left on the device/) })
    else expect(existsSync(join(sweep, 'REPORT.md'))).toBe(false)
  })
})
