import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { clearRunFolder, protectedPaths, removeFrames, whyNotReplaceable } from '../../src/run/safe-force.ts'
import { contains } from '../../src/util/paths.ts'
import { tempDir } from '../helpers/temp.ts'

const root = tempDir('tc-safe-')
let n = 0
/** A folder with the given files ("frames/" makes a folder); run.json is teacache's unless given. */
function folder(files: Record<string, string>): string {
  const dir = join(root, `f${n++}`)
  mkdirSync(dir)
  for (const [name, content] of Object.entries(files)) {
    if (name.endsWith('/')) mkdirSync(join(dir, name), { recursive: true })
    else writeFileSync(join(dir, name), content)
  }
  return dir
}
const RECORD = JSON.stringify({ format: 'teacache-run/1' })
const LOCK = JSON.stringify({ pid: 1, host: 'h', boot_id: null, started_at: 'then', command: 'teacache run c.yaml', token: 't' })

describe('what --force may replace', () => {
  it.each<{ what: string; files: Record<string, string>; requireRecord: boolean; why: RegExp | null }>([
    { what: 'an empty folder', files: {}, requireRecord: true, why: null },
    { what: 'a run folder teacache made', files: { 'run.json': RECORD, 'video.mp4': 'v', 'error.txt': 't', 'frames/': '', 'frames/frame_00000.png': 'p' }, requireRecord: true, why: null },
    { what: 'a sweep\'s TeaCache run with its quality cache', files: { 'run.json': RECORD, 'video.mp4': 'v', 'quality.json': '{}', 'frames/': '', 'frames/frame_00000.png': 'p' }, requireRecord: true, why: null },
    { what: 'one with its temporary files and a left-over lock', files: { 'run.json': RECORD, '.run.json.ab12.tmp': '', '.video.partial.mp4': '', '.teacache-lock': '{}', 'frames/': '', 'frames/.frame_00001.png.tmp': '' }, requireRecord: true, why: null },
    { what: 'a sweep run folder that died before run.json', files: { 'frames/': '', 'frames/frame_00000.png': 'p' }, requireRecord: false, why: null },
    { what: 'the same, for run --output', files: { 'frames/': '', 'frames/frame_00000.png': 'p' }, requireRecord: true, why: /holds no teacache run\.json/ },
    { what: 'a run killed before run.json, its lock left', files: { '.teacache-lock': LOCK, 'frames/': '', 'frames/frame_00000.png': 'p' }, requireRecord: true, why: null },
    { what: 'a lock file of someone else', files: { '.teacache-lock': 'mine', 'frames/': '' }, requireRecord: true, why: /holds no teacache run\.json/ },
    { what: 'a run.json of another program', files: { 'run.json': '{"format":"mine"}' }, requireRecord: true, why: /holds no teacache run\.json/ },
    { what: 'a user file beside teacache\'s', files: { 'run.json': RECORD, 'notes.md': 'mine' }, requireRecord: true, why: /files teacache did not write \(notes\.md\)/ },
    { what: 'a user file among the frames', files: { 'run.json': RECORD, 'frames/': '', 'frames/poster.jpg': 'x' }, requireRecord: true, why: /\(frames\/poster\.jpg\)/ },
    { what: 'a folder named like a file of teacache', files: { 'run.json': RECORD, 'video.mp4/': '' }, requireRecord: true, why: /\(video\.mp4\)/ },
  ])('$what: $why', async ({ files, requireRecord, why }) => {
    const result = await whyNotReplaceable(folder(files), { requireRecord })
    if (why === null) expect(result).toBeNull()
    else expect(result).toMatch(why)
  })

  it('a link is never teacache\'s, even under its name', async () => {
    const dir = folder({ 'run.json': RECORD })
    const elsewhere = folder({ 'precious.txt': 'x' })
    symlinkSync(elsewhere, join(dir, 'frames'))
    expect(await whyNotReplaceable(dir, { requireRecord: true })).toMatch(/\(frames\)/)
  })

  it.each([
    { what: 'the cwd', protect: (dir: string) => protectedPaths({}, dir), why: /it is the current directory/ },
    { what: 'a parent of the cwd', protect: (dir: string) => protectedPaths({}, join(dir, 'frames')), why: /it holds the current directory/ },
    { what: 'the config\'s folder', protect: (dir: string) => protectedPaths({ config: join(dir, 'c.yaml') }, root), why: /it holds the config/ },
    { what: 'the coefficients file\'s', protect: (dir: string) => protectedPaths({ coefficients: join(dir, 'frames', 'x.yaml') }, root), why: /it holds its coefficients file/ },
  ])('never $what', async ({ protect, why }) => {
    const dir = folder({ 'run.json': RECORD, 'frames/': '' })
    expect(await whyNotReplaceable(dir, { protect: protect(dir) })).toMatch(why)
  })

  it.each([
    ['/a/b', '/a/b', true],
    ['/a/b', '/a/b/c', true],
    ['/a/b', '/a/bc', false],
    ['/a/b', '/a', false],
    ['/a/b/c', '/a/b', false],
  ])('contains(%s, %s) is %s', (outer, inner, expected) => {
    expect(contains(outer, inner)).toBe(expected)
  })

  it('clearing removes teacache\'s entries by name and keeps the lock and anything else', async () => {
    const dir = folder({ 'run.json': RECORD, 'video.mp4': 'v', '.teacache-lock': '{}', 'frames/': '', 'frames/frame_00000.png': 'p', 'frames/keep.txt': 'k' })
    await clearRunFolder(dir)
    expect(readdirSync(dir).sort()).toEqual(['.teacache-lock', 'frames'])
    expect(readdirSync(join(dir, 'frames'))).toEqual(['keep.txt'])
    await removeFrames(join(dir, 'nowhere'))
  })
})
