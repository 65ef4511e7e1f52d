import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'

const STATIC = /(?:^|\n)\s*(?:import|export)\s+(?!type\s)[^'"]*?from\s+'(\.[^']+)'/g
const DYNAMIC = /import\(\s*'(\.[^']+)'\s*\)/g

/**
 * The modules a module loads: value imports and re-exports of relative paths, followed to the end,
 * and with `dynamic` the import()s too (loaded only when their code runs). Type-only imports are
 * left out: they vanish when the code runs.
 */
export function reachable(entry: string, options: { dynamic?: boolean } = { dynamic: true }, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen
  seen.add(entry)
  const text = readFileSync(entry, 'utf8')
  const matches = [...text.matchAll(STATIC), ...(options.dynamic ? text.matchAll(DYNAMIC) : [])]
  for (const match of matches) reachable(resolve(dirname(entry), match[1]), options, seen)
  return seen
}
