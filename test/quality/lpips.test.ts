import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { alexnetCandidate, findLpipsWeights, linearCandidates, LPIPS_FETCH_COMMAND, lpipsStatus } from '../../src/quality/lpips.ts'

describe('LPIPS weights and status', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tc-lpips-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const file = (name: string) => {
    const path = join(dir, name)
    writeFileSync(path, '')
    return path
  }
  const alexnet = file('alexnet.pth')
  const linear = file('alex.pth')
  const missing = join(dir, 'missing.pth')

  it.each([
    { env: { TORCH_HOME: '/opt/torch' }, path: '/opt/torch/hub/checkpoints/alexnet-owt-7be5be79.pth' },
    { env: { XDG_CACHE_HOME: '/var/cache' }, path: '/var/cache/torch/hub/checkpoints/alexnet-owt-7be5be79.pth' },
    { env: { TORCH_HOME: '', XDG_CACHE_HOME: '/var/cache' }, path: '/var/cache/torch/hub/checkpoints/alexnet-owt-7be5be79.pth' },
  ])('looks for AlexNet where torch.hub keeps it: $env', ({ env, path }) => {
    expect(alexnetCandidate(env)).toBe(path)
  })

  it('looks for the linear layers inside the lpips package of each Python in .venv', async () => {
    mkdirSync(join(dir, '.venv', 'lib', 'python3.11'), { recursive: true })
    mkdirSync(join(dir, '.venv', 'lib', 'other'), { recursive: true })
    expect(await linearCandidates(dir)).toEqual([join(dir, '.venv', 'lib', 'python3.11', 'site-packages', 'lpips', 'weights', 'v0.1', 'alex.pth')])
  })

  it.each([
    { name: 'both missing', a: missing, l: [missing], says: [/AlexNet weights \(looked for .*missing\.pth\) and lpips' linear layers .* are not on this machine/, LPIPS_FETCH_COMMAND] },
    { name: 'AlexNet missing', a: missing, l: [missing, linear], says: [/AlexNet weights \(looked for .*missing\.pth\) is not on this machine/] },
    { name: 'the linear layers missing', a: alexnet, l: [missing], says: [/lpips' linear layers \(the lpips package: looked for .*missing\.pth\) is not on this machine/] },
    { name: 'both there', a: alexnet, l: [linear], says: ['not asked for: `teacache report <sweep-dir> --lpips` computes it'] },
  ])('when $name the report says why there is no LPIPS, and starts nothing', async ({ a, l, says }) => {
    const weights = await findLpipsWeights({ alexnet: a, linear: l })
    const status = await lpipsStatus(weights)
    expect(status.computed).toBe(false)
    if (status.computed) return
    for (const s of says) expect(status.reason).toMatch(typeof s === 'string' ? new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : s)
    expect(status.weights).toEqual([weights.alexnet, weights.linear].filter(Boolean))
  })

  it('the fetch command installs lpips without torchvision and fills the torch hub cache', () => {
    expect(LPIPS_FETCH_COMMAND).toContain('pip install --no-deps lpips')
    expect(LPIPS_FETCH_COMMAND).toContain("torch.hub.load_state_dict_from_url('https://download.pytorch.org/models/alexnet-owt-7be5be79.pth')")
  })
})
