import { TeacacheError } from '../errors.ts'
import type { CompileMode } from '../sweep/grid.ts'
import { parseCompile } from '../sweep/inputs.ts'
import type { Contender } from './rank.ts'

/**
 * `tune --compile none,blocks`. Compiling the blocks changes how fast a step runs, not which steps
 * run (the TeaCache decision stays eager), so the search judges quality on eager blocks only; the
 * compile modes are then a timing question, settled by measuring the best eager TeaCache candidate
 * under each. diffusers' caches hook the eager blocks and are never compiled (as in a sweep).
 */
export function parseTuneCompile(text: string | undefined): CompileMode[] {
  if (text === undefined) return ['none']
  const modes: CompileMode[] = []
  for (const item of text.split(',').map((s) => s.trim())) {
    const parsed = parseCompile(item)
    if (typeof parsed === 'string') throw new TeacacheError('CONFIG', `--compile: ${parsed}, got "${text}"`)
    if (modes.includes(parsed.mode)) throw new TeacacheError('CONFIG', `--compile: ${parsed.mode} is listed twice`)
    modes.push(parsed.mode)
  }
  if (!modes.includes('none')) {
    throw new TeacacheError('CONFIG', `--compile: expected none among the modes (e.g. none,blocks): tune judges quality on eager blocks and times the best candidate under the others, got "${text}"`)
  }
  return (['none', 'blocks'] as const).filter((m) => modes.includes(m))
}

/**
 * The candidate to time under the other compile modes: the fastest passing eager TeaCache
 * candidate (ranked: fastest first). One candidate, so the cost is one generation per tuning
 * group and extra mode; null when no TeaCache candidate passed or only eager is asked for.
 */
export function compileContender(ranked: readonly Contender[], modes: readonly CompileMode[]): Contender | null {
  if (!modes.some((m) => m !== 'none')) return null
  return ranked.find((c) => c.family === 'teacache' && c.compile === 'none' && c.pass) ?? null
}
