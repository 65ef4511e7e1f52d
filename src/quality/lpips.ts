import { promises as fs } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { PROJECT_ROOT } from '../python/interpreter.ts'

/**
 * LPIPS (v0.1, AlexNet backbone) needs two pretrained weight files that teacache never
 * downloads: torchvision's ImageNet AlexNet (the torch hub cache, or a path given to
 * `report --lpips`) and lpips' own linear layers (inside the `lpips` pip package). It runs in
 * Python (python/teacache/lpips_metric.py), so a report computes it only when asked; otherwise,
 * or without the weights, the report says why there is no LPIPS rather than printing a number
 * it did not compute.
 */
export const ALEXNET_FILE = 'alexnet-owt-7be5be79.pth'
/** The one command that fetches both files, for a machine with internet. */
export const LPIPS_FETCH_COMMAND =
  `.venv/bin/pip install --no-deps lpips && .venv/bin/python -c "import torch; torch.hub.load_state_dict_from_url('https://download.pytorch.org/models/${ALEXNET_FILE}')"`

export type LpipsStatus =
  | { computed: false; weights: string[]; reason: string }
  | { computed: true; weights: string[]; backend: string; runs: Record<string, { mean: number; perFrame: number[] }> }

export interface LpipsWeights {
  alexnet: string | null
  linear: string | null
  /** Every place looked, for the message when one is missing. */
  looked: { alexnet: string[]; linear: string[] }
}

/** torch.hub's rule: $TORCH_HOME, else $XDG_CACHE_HOME/torch, else ~/.cache/torch; then hub/checkpoints. */
export function alexnetCandidate(env: NodeJS.ProcessEnv = process.env): string {
  const torchHome = env.TORCH_HOME || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'torch')
  return join(torchHome, 'hub', 'checkpoints', ALEXNET_FILE)
}

/** lpips' linear layers where pip puts them in the project's Python environment. */
export async function linearCandidates(root = PROJECT_ROOT): Promise<string[]> {
  const lib = join(root, '.venv', 'lib')
  const versions = await fs.readdir(lib).catch(() => [] as string[])
  return versions.filter((name) => name.startsWith('python')).map((v) => join(lib, v, 'site-packages', 'lpips', 'weights', 'v0.1', 'alex.pth'))
}

const isFile = (path: string) => fs.stat(path).then((s) => s.isFile(), () => false)

async function first(paths: string[]): Promise<string | null> {
  for (const path of paths) if (await isFile(path)) return path
  return null
}

export async function findLpipsWeights(options: { alexnet?: string; env?: NodeJS.ProcessEnv; linear?: string[] } = {}): Promise<LpipsWeights> {
  const looked = { alexnet: [options.alexnet ?? alexnetCandidate(options.env)], linear: options.linear ?? (await linearCandidates()) }
  return { alexnet: await first(looked.alexnet), linear: await first(looked.linear), looked }
}

/** What is missing, as one sentence; null when both files are there. */
export function missingWeights(w: LpipsWeights): string | null {
  const missing = [
    ...(w.alexnet ? [] : [`torchvision's AlexNet weights (looked for ${w.looked.alexnet.join(', ')})`]),
    ...(w.linear ? [] : [`lpips' linear layers (the lpips package: looked for ${w.looked.linear.join(', ') || 'a .venv'})`]),
  ]
  return missing.length ? `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not on this machine, and teacache downloads nothing` : null
}

/** The report's LPIPS line when it was not asked for (no Python started). */
export async function lpipsStatus(weights?: LpipsWeights): Promise<LpipsStatus> {
  const w = weights ?? (await findLpipsWeights())
  const missing = missingWeights(w)
  const found = [w.alexnet, w.linear].filter((p): p is string => p !== null)
  const reason = missing
    ? `${missing}; with internet, \`${LPIPS_FETCH_COMMAND}\` fetches both, then \`teacache report <sweep-dir> --lpips\` computes it`
    : 'not asked for: `teacache report <sweep-dir> --lpips` computes it with the weights found here (it starts Python)'
  return { computed: false, weights: found, reason }
}
