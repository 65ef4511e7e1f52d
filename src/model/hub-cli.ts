import { promises as fs } from 'node:fs'
import { basename, dirname, join } from 'node:path'

/**
 * The download command of the installed huggingface_hub, found without starting Python (a
 * missing model must be reported as fast as any other bad input): huggingface_hub 1.0 and later
 * ship only `hf`; before, `huggingface-cli` is the one every version has.
 */
export type HubCli = 'hf' | 'huggingface-cli'

export interface FoundHubCli {
  cli: HubCli | null
  /** The installed huggingface_hub version, when its dist-info folder was found. */
  version: string | null
}

const DIST_INFO = /^huggingface_hub-(\d+)\.(\d+)[^/]*\.dist-info$/

/** Site-packages folders of the environment `python` belongs to: a venv, conda or a system prefix. */
async function sitePackages(python: string): Promise<string[]> {
  const prefixes = [dirname(dirname(python))]
  const real = await fs.realpath(python).catch(() => python)
  if (real !== python) prefixes.push(dirname(dirname(real)))
  // python3.11 looks in lib/python3.11 first; a bare "python" names no version.
  const own = /^python(\d+\.\d+)$/.exec(basename(real))?.[1]
  const folders: string[] = []
  for (const prefix of prefixes) {
    folders.push(join(prefix, 'Lib', 'site-packages'), join(prefix, 'lib', 'python3', 'dist-packages'))
    for (const lib of [join(prefix, 'lib'), join(prefix, 'local', 'lib')]) {
      const versions = (await fs.readdir(lib).catch(() => [] as string[])).filter((name) => /^python3\.\d+$/.test(name))
      versions.sort((a, b) => Number(b === `python${own}`) - Number(a === `python${own}`) || b.localeCompare(a, 'en', { numeric: true }))
      for (const version of versions) folders.push(join(lib, version, 'site-packages'), join(lib, version, 'dist-packages'))
    }
  }
  return folders
}

export async function findHubCli(python: string): Promise<FoundHubCli> {
  for (const folder of await sitePackages(python)) {
    const entries = await fs.readdir(folder).catch(() => [] as string[])
    const match = entries.map((name) => DIST_INFO.exec(name)).find((m) => m !== null)
    if (match) return { cli: Number(match[1]) >= 1 ? 'hf' : 'huggingface-cli', version: match[0].replace(/^huggingface_hub-|\.dist-info$/g, '') }
  }
  // No dist-info where we looked (an unusual layout): the scripts beside the interpreter still tell.
  const beside = async (name: string) => fs.access(join(dirname(python), name)).then(() => true, () => false)
  if (await beside('hf')) return { cli: 'hf', version: null }
  if (await beside('huggingface-cli')) return { cli: 'huggingface-cli', version: null }
  return { cli: null, version: null }
}

/** How to fetch `id` into the local cache with the CLI that is installed; both when unknown. */
export function downloadCommand(id: string, found: FoundHubCli): string {
  if (found.cli) return `${found.cli} download ${id}`
  return `hf download ${id} with huggingface_hub 1.0 or later, huggingface-cli download ${id} before`
}
