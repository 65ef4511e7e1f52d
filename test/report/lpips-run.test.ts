import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { computeLpips } from '../../src/report/lpips-run.ts'
import { encodePng } from '../../src/quality/png.ts'
import { pythonPath } from '../../src/python/interpreter.ts'
import { writeReport } from '../../src/report/generate.ts'
import { fixtureFrame, makeSweepFixture, ok } from '../fixtures/sweep.ts'
import { pythonTripwire, teacache } from '../helpers/cli.ts'

/**
 * LPIPS through the bridge with stand-in weights: random tensors of the real shapes, written by
 * torch into a temporary torch cache and a file standing for lpips' linear layers. The numbers
 * mean nothing; that the report computes, shows and explains them is what is tested.
 */
const work = mkdtempSync(join(tmpdir(), 'tc-lpips-run-'))
const torchHome = join(work, 'torch')
const alexnet = join(torchHome, 'hub', 'checkpoints', 'alexnet-owt-7be5be79.pth')
const linear = join(work, 'alex.pth')
const sweep = join(work, 'sweep')
const ALL = [true, true, true, true]

beforeAll(async () => {
  await execa(pythonPath(), ['-c', `
import os, torch
g = torch.Generator().manual_seed(0)
shapes = {0: (64, 3, 11, 11), 3: (192, 64, 5, 5), 6: (384, 192, 3, 3), 8: (256, 384, 3, 3), 10: (256, 256, 3, 3)}
state = {}
for i, s in shapes.items():
    state[f"features.{i}.weight"] = torch.randn(*s, generator=g) * 0.05
    state[f"features.{i}.bias"] = torch.randn(s[0], generator=g) * 0.05
os.makedirs(os.path.dirname(${JSON.stringify(alexnet)}), exist_ok=True)
torch.save(state, ${JSON.stringify(alexnet)})
torch.save({f"lin{k}.model.1.weight": torch.rand(1, c, 1, 1, generator=g) for k, c in enumerate((64, 192, 384, 256, 256))}, ${JSON.stringify(linear)})
`])
  // t0.1 is the baseline itself (LPIPS 0); t0.2 differs. AlexNet needs frames of 31 pixels or more.
  const shifts: Record<string, number> = { baseline: 0, 't0.1': 0, 't0.2': 9 }
  makeSweepFixture(sweep, { grid: { prompts: ['a'], seeds: [1], thresholds: [0.1, 0.2] }, run: (spec) => ok(4, 1, shifts[spec.id.split('/')[1]], ALL) })
  for (const [name, shift] of Object.entries(shifts)) {
    for (let f = 0; f < 3; f++) writeFileSync(join(sweep, 'p0-s1', name, 'frames', `frame_0000${f}.png`), encodePng(fixtureFrame(f, shift, 40, 40)))
  }
})

afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('teacache report --lpips', () => {
  it('computes LPIPS per frame in Python for every measured pair, and both reports show it', async () => {
    const lpips = await computeLpips(sweep, alexnet, { linear: [linear] })
    expect(lpips.computed).toBe(true)
    if (!lpips.computed) return
    expect(Object.keys(lpips.runs)).toEqual(['p0-s1/t0.1', 'p0-s1/t0.2'])
    expect(lpips.runs['p0-s1/t0.1']).toEqual({ mean: 0, perFrame: [0, 0, 0] })
    expect(lpips.runs['p0-s1/t0.2'].perFrame).toHaveLength(3)
    expect(lpips.runs['p0-s1/t0.2'].mean).toBeGreaterThan(0)
    expect(lpips.weights).toEqual([alexnet, linear])
    await writeReport(sweep, { videos: false, lpips })
    const md = readFileSync(join(sweep, 'REPORT.md'), 'utf8')
    expect(md).toMatch(/^LPIPS \(v0\.1, AlexNet backbone.*seeds: t=0\.1 0\.0000; t=0\.2 \d\.\d{4}\.$/m)
    expect(md).not.toContain('LPIPS: not computed')
    const html = readFileSync(join(sweep, 'REPORT.html'), 'utf8')
    expect(html).toContain('t=0.1 0.0000; t=0.2 ')
    expect(html).toContain('"lpips":[0,0,0]')
  })

  it.each([
    { name: 'a missing AlexNet file', args: ['--lpips', join(work, 'nowhere.pth')], says: /--lpips: torchvision's AlexNet weights \(looked for .*nowhere\.pth\)/ },
    { name: 'an empty value', args: ['--lpips', ''], says: /--lpips: expected a value/ },
  ])('asked for with $name: exit 2 naming the flag, before Python starts', async ({ args, says }) => {
    const trip = pythonTripwire()
    const result = await teacache(['report', sweep, '--no-videos', ...args], { env: { ...trip.env, TORCH_HOME: torchHome } })
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(says)
    expect(trip.started()).toBe(false)
  })
})
