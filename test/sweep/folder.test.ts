import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config/load.ts'
import { checkSweepDir, runFolderOf } from '../../src/sweep/folder.ts'
import { buildManifest, writeManifest } from '../../src/sweep/manifest.ts'
import { tempDir } from '../helpers/temp.ts'

const YAML = 'model: tiny\nprompt: "p"\nsteps: 4\nheight: 16\nwidth: 16\nframes: 5\nteacache:\n  rel_l1_thresh: 0.1\n  coefficients: [0, 0, 0, 1, 0]\n'
const planned = buildManifest(parseConfig(YAML, '/x/c.yaml'), { prompts: ['a'], seeds: [1], thresholds: [0.1] })
const other = buildManifest(parseConfig(YAML.replace('steps: 4', 'steps: 8'), '/x/c.yaml'), { prompts: ['a'], seeds: [1], thresholds: [0.1] })
const root = tempDir('tc-folder-')
const folder = (name: string, fill?: (dir: string) => void | Promise<void>) => async () => {
  const dir = join(root, name)
  mkdirSync(dir, { recursive: true })
  await fill?.(dir)
  return dir
}

describe('sweep folder check', () => {
  it('accepts a folder that does not exist yet, or an empty one', async () => {
    expect(await checkSweepDir(join(root, 'new', 'sweep'), planned, false)).toEqual({ existing: null, manifest: planned, write: 'create' })
    expect(await checkSweepDir(await folder('empty')(), planned, false)).toEqual({ existing: null, manifest: planned, write: 'create' })
  })

  it('resumes the same sweep, returning its manifest', async () => {
    const dir = await folder('same', (d) => writeManifest(d, planned))()
    expect(await checkSweepDir(dir, planned, false)).toEqual({ existing: planned, manifest: planned, write: 'keep' })
  })

  it('grows a sweep whose command adds to its grid, and keeps the folder\'s grid when the command names less', async () => {
    const dir = await folder('grows', (d) => writeManifest(d, planned))()
    const more = buildManifest(parseConfig(YAML, '/x/c.yaml'), { prompts: ['a'], seeds: [1, 2], thresholds: [0.1] })
    const now = new Date('2025-03-04T05:06:07.000Z')
    const checked = await checkSweepDir(dir, more, false, [], now)
    expect(checked).toMatchObject({ existing: planned, write: 'grow', manifest: { grid: more.grid, history: [{ date: now.toISOString(), added: { seeds: [2] }, runs: 2 }] } })
    const fewer = buildManifest(parseConfig(YAML, '/x/c.yaml'), { prompts: ['a'], seeds: [1], thresholds: [] })
    expect(await checkSweepDir(dir, fewer, false)).toEqual({ existing: planned, manifest: planned, write: 'keep' })
  })

  it('refuses a sweep of other settings with exit 2 unless --force', async () => {
    const dir = await folder('other-settings', (d) => writeManifest(d, other))()
    await expect(checkSweepDir(dir, planned, false)).rejects.toMatchObject({ code: 'OUTPUT', exitCode: 2, message: expect.stringMatching(/holds a sweep with other settings:\n {2}steps: 8 -> 4\nonly its grid may grow \(more prompts, seeds, thresholds, compile, methods\).*--force/) })
    await expect(checkSweepDir(dir, planned, true)).resolves.toEqual({ existing: other, manifest: planned, write: 'replace' })
  })

  it('refuses a prompt list that would rename runs, saying how prompts may grow', async () => {
    const dir = await folder('renamed', (d) => writeManifest(d, planned))()
    const renamed = buildManifest(parseConfig(YAML, '/x/c.yaml'), { prompts: ['b', 'a'], seeds: [1], thresholds: [0.1] })
    await expect(checkSweepDir(dir, renamed, false)).rejects.toMatchObject({
      exitCode: 2, message: expect.stringMatching(/other settings:\n {2}p0-s1\/baseline \(and 1 more run\): prompt: "a" -> "b"\nrun ids number the prompts by position, so new ones go at the end of the list; only its grid may grow/),
    })
  })

  it.each([
    { name: 'foreign-files', fill: (d: string) => writeFileSync(join(d, 'notes.txt'), 'mine'), error: /is not empty and holds no sweep.json; .*other files \(notes\.txt\)/ },
    { name: 'broken-manifest', fill: (d: string) => writeFileSync(join(d, 'sweep.json'), 'garbage'), error: /sweep.json: not a sweep manifest \(not JSON/ },
    { name: 'wrong-shape', fill: (d: string) => writeFileSync(join(d, 'sweep.json'), JSON.stringify({ ...planned, grid: { ...planned.grid, seeds: ['../../etc'] } })), error: /sweep.json: .*grid\.seeds\[0\]: expected an integer seed/ },
  ])('refuses $name with exit 2, --force or not', async ({ name, fill, error }) => {
    const dir = await folder(name, fill)()
    for (const force of [false, true]) await expect(checkSweepDir(dir, planned, force)).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(error) })
  })

  it('--force never redoes the runs of a folder that is, or holds, the cwd or the config', async () => {
    const dir = await folder('holds-config', (d) => writeManifest(d, planned))()
    const protect = [{ path: join(dir, 'c.yaml'), what: 'the config' }]
    await expect(checkSweepDir(dir, planned, false, protect)).resolves.toMatchObject({ manifest: planned, write: 'keep' })
    await expect(checkSweepDir(dir, planned, true, protect)).rejects.toThrow(/--force would redo the runs in .*holds-config, which is or holds the config/)
    await expect(checkSweepDir(dir, planned, true, [{ path: dir, what: 'the current directory' }])).rejects.toThrow(/which is or holds the current directory/)
  })

  it('ignores the writers register a crashed sweep left in an otherwise empty folder', async () => {
    const dir = await folder('crashed', (d) => mkdirSync(join(d, '.teacache-writers')))()
    expect(await checkSweepDir(dir, planned, false)).toMatchObject({ existing: null, write: 'create' })
  })

  it('refuses a path longer than the system allows', async () => {
    await expect(checkSweepDir(join(root, 'x'.repeat(256)), planned, false)).rejects.toThrow(/--output: a folder or file name in the path is too long/)
  })

  it('places run folders only inside the sweep folder', () => {
    expect(runFolderOf('/s', 'p0-s42/t0.1')).toBe('/s/p0-s42/t0.1')
    expect(runFolderOf('/s', 'p3-s7/baseline')).toBe('/s/p3-s7/baseline')
    for (const id of ['p0-s42/fbc0.05', 'p0-s42/pab', 'p0-s42/pab3', 'p1-s2/fastercache-1a2b3c4d', 'p0-s1/magcache1e-7', 'p0-s1/taylorseer']) expect(runFolderOf('/s', id)).toBe(`/s/${id}`)
    for (const id of ['../x', 'p0-s1/../../etc', '/etc/passwd', 'p0-s../t1', '', 'p0-s1/seacache', 'p0-s1/fbc/../x', 'p0-s1/pab-compiled']) expect(() => runFolderOf('/s', id)).toThrow(/does not name a run folder inside/)
  })

  it('refuses a file', async () => {
    writeFileSync(join(root, 'a-file'), '')
    await expect(checkSweepDir(join(root, 'a-file'), planned, true)).rejects.toThrow(/is a file; expected a sweep folder/)
  })
})
