import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config/load.ts'
import { checkSweepDir } from '../../src/sweep/folder.ts'
import { buildManifest, writeManifest } from '../../src/sweep/manifest.ts'

const YAML = 'model: tiny\nprompt: "p"\nsteps: 4\nheight: 16\nwidth: 16\nframes: 5\nteacache:\n  rel_l1_thresh: 0.1\n  coefficients: [0, 0, 0, 1, 0]\n'
const planned = buildManifest(parseConfig(YAML, '/x/c.yaml'), { prompts: ['a'], seeds: [1], thresholds: [0.1] })
const other = buildManifest(parseConfig(YAML.replace('steps: 4', 'steps: 8'), '/x/c.yaml'), { prompts: ['a'], seeds: [1], thresholds: [0.1] })
const root = mkdtempSync(join(tmpdir(), 'tc-folder-'))
const folder = (name: string, fill?: (dir: string) => void | Promise<void>) => async () => {
  const dir = join(root, name)
  mkdirSync(dir, { recursive: true })
  await fill?.(dir)
  return dir
}

describe('sweep folder check', () => {
  it('accepts a folder that does not exist yet, or an empty one', async () => {
    expect(await checkSweepDir(join(root, 'new', 'sweep'), planned, false)).toBeNull()
    expect(await checkSweepDir(await folder('empty')(), planned, false)).toBeNull()
  })

  it('resumes the same sweep, returning its manifest', async () => {
    const dir = await folder('same', (d) => writeManifest(d, planned))()
    expect(await checkSweepDir(dir, planned, false)).toEqual(planned)
  })

  it.each([
    { name: 'other-settings', fill: (d: string) => writeManifest(d, other), error: /holds a sweep with other settings:\n {2}steps: 8 -> 4\n.*--force/ },
    { name: 'foreign-files', fill: (d: string) => writeFileSync(join(d, 'notes.txt'), 'mine'), error: /is not empty and holds no sweep.json/ },
    { name: 'broken-manifest', fill: (d: string) => writeFileSync(join(d, 'sweep.json'), 'garbage'), error: /sweep.json: not a sweep manifest/ },
  ])('refuses $name with exit 2 unless --force', async ({ name, fill, error }) => {
    const dir = await folder(name, fill)()
    await expect(checkSweepDir(dir, planned, false)).rejects.toMatchObject({ code: 'OUTPUT', exitCode: 2, message: expect.stringMatching(error) })
    await expect(checkSweepDir(dir, planned, true)).resolves.not.toThrow()
  })

  it('refuses a file', async () => {
    writeFileSync(join(root, 'a-file'), '')
    await expect(checkSweepDir(join(root, 'a-file'), planned, true)).rejects.toThrow(/is a file; expected a sweep folder/)
  })
})
