import { join, resolve } from 'node:path'
import { TeacacheError } from '../errors.ts'
import { collectSweep } from './collect.ts'
import { PythonSession } from '../engine/session.ts'
import { compileModes } from '../sweep/grid.ts'
import { findLpipsWeights, LPIPS_FETCH_COMMAND, missingWeights, type LpipsStatus } from '../quality/lpips.ts'

/**
 * `teacache report <dir> --lpips [alexnet.pth]`: LPIPS of every completed cached run against its
 * reference baseline, in Python through the bridge. The only way a report starts Python, so the
 * CLI imports this module only when the flag is given. Asked for without the weights, it stops
 * with exit 2 and the command that fetches them.
 */
export const LPIPS_BACKEND = 'v0.1, AlexNet backbone: lpips\' network as python/teacache/lpips_metric.py defines it, on lpips\' and torchvision\'s weight files'

export async function computeLpips(dir: string, alexnet: string | true, options: { linear?: string[] } = {}): Promise<LpipsStatus> {
  if (alexnet !== true && alexnet.trim() === '') throw new TeacacheError('CONFIG', '--lpips: expected the path of the AlexNet weights (or no value, for the torch hub cache), got ""')
  const weights = await findLpipsWeights({ alexnet: alexnet === true ? undefined : resolve(alexnet), linear: options.linear })
  const missing = missingWeights(weights)
  if (missing) throw new TeacacheError('INPUT', `--lpips: ${missing}; with internet, \`${LPIPS_FETCH_COMMAND}\` fetches both (or give the AlexNet file: --lpips FILE)`)
  const collected = await collectSweep(dir)
  // The same pairs as PSNR/SSIM: each completed run against the reference (eager) baseline of its prompt and seed.
  const referenceMode = compileModes(collected.manifest.grid)[0]
  const isReference = (r: (typeof collected.runs)[number]) => r.spec.threshold === null && r.spec.method === null && r.spec.compile === referenceMode
  const pairs = collected.runs.flatMap((run) => {
    if (isReference(run) || run.folder.status !== 'completed') return []
    const baseline = collected.runs.find((r) => isReference(r) && r.spec.promptIndex === run.spec.promptIndex && r.spec.seed === run.spec.seed)
    return baseline?.folder.status === 'completed' ? [{ run, baseline }] : []
  })
  const runs: Record<string, { mean: number; perFrame: number[] }> = {}
  if (pairs.length > 0) {
    const session = new PythonSession()
    try {
      const { engine } = await session.start()
      for (const { run, baseline } of pairs) {
        const result = await engine.lpips({ reference: join(baseline.dir, 'frames'), candidate: join(run.dir, 'frames'), alexnet: weights.alexnet!, linear: weights.linear! })
        runs[run.spec.id] = { mean: result.mean, perFrame: result.per_frame }
      }
    } catch (caught) {
      throw session.failure(caught, 'no report written')
    } finally {
      await session.close()
    }
  }
  return { computed: true, weights: [weights.alexnet!, weights.linear!], backend: LPIPS_BACKEND, runs }
}
