import { promises as fs } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { PROJECT_ROOT } from '../python/interpreter.ts'

/**
 * LPIPS needs a pretrained network (AlexNet's ImageNet weights plus the LPIPS linear layers),
 * which is never downloaded here and which this TypeScript report has no implementation of.
 * The report therefore says plainly whether the weights are on the machine and why no LPIPS
 * column appears, rather than printing a number it did not compute.
 */
export interface LpipsStatus {
  computed: false
  weights: string[]
  reason: string
}

/** Where the `lpips` package and torchvision keep their weights, for the project's Python env and the torch cache. */
export async function lpipsWeightCandidates(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const candidates: string[] = []
  const libs = [join(PROJECT_ROOT, '.venv', 'lib')]
  for (const lib of libs) {
    const versions = await fs.readdir(lib).catch(() => [] as string[])
    for (const v of versions.filter((name) => name.startsWith('python'))) {
      candidates.push(join(lib, v, 'site-packages', 'lpips', 'weights', 'v0.1', 'alex.pth'))
    }
  }
  const torchHome = env.TORCH_HOME ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'torch')
  candidates.push(join(torchHome, 'hub', 'checkpoints', 'alexnet-owt-7be5be79.pth'))
  return candidates
}

export async function lpipsStatus(candidates?: string[]): Promise<LpipsStatus> {
  const list = candidates ?? (await lpipsWeightCandidates())
  const found: string[] = []
  for (const path of list) if (await fs.access(path).then(() => true, () => false)) found.push(path)
  const reason =
    found.length === 0
      ? `its pretrained weights (AlexNet and the LPIPS linear layers) are not on this machine (looked for ${list.join(', ')}), and teacache downloads nothing`
      : `weights were found (${found.join(', ')}), but the report is computed in TypeScript without Python and teacache has no LPIPS network of its own`
  return { computed: false, weights: found, reason }
}
