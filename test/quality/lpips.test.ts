import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { lpipsStatus, lpipsWeightCandidates } from '../../src/quality/lpips.ts'

describe('LPIPS status', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tc-lpips-'))
  const present = join(dir, 'alex.pth')
  writeFileSync(present, '')

  it('says the weights are missing and where it looked', async () => {
    const status = await lpipsStatus([join(dir, 'missing.pth')])
    expect(status).toMatchObject({ computed: false, weights: [] })
    expect(status.reason).toContain('not on this machine')
    expect(status.reason).toContain(join(dir, 'missing.pth'))
  })

  it('names weights that are present and says why they are still not used', async () => {
    const status = await lpipsStatus([join(dir, 'missing.pth'), present])
    expect(status.weights).toEqual([present])
    expect(status.reason).toContain(`weights were found (${present})`)
  })

  it('looks in the torch hub cache named by TORCH_HOME', async () => {
    expect(await lpipsWeightCandidates({ TORCH_HOME: '/opt/torch' })).toContain('/opt/torch/hub/checkpoints/alexnet-owt-7be5be79.pth')
  })
})
