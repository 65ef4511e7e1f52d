import { fastercache } from './fastercache.ts'
import { fbc } from './fbc.ts'
import { magcache } from './magcache.ts'
import type { CacheMethod, MethodDefinition } from './method.ts'
import { pab } from './pab.ts'
import { taylorseer } from './taylorseer.ts'

/** Every cache a sweep can run beside TeaCache, in the order the report shows them. */
export const METHODS: readonly MethodDefinition[] = [fbc, pab, fastercache, magcache, taylorseer]

export const methodNamed = (name: string): MethodDefinition | undefined => METHODS.find((m) => m.name === name)

export const definitionOf = (name: CacheMethod): MethodDefinition => methodNamed(name)!

/**
 * Caches diffusers has that cannot work on CogVideoX, with the reason: asking for one is refused
 * before anything starts. (python/tests/test_methods.py shows SeaCache doing nothing on the tiny
 * models; it fails the day diffusers changes that.)
 */
export const REFUSED: Readonly<Record<string, string>> = {
  seacache:
    "SeaCache cannot work on CogVideoX with diffusers' pipelines: it needs the scheduler step, sigma and step count in " +
    'transformer.cache_context(...), which CogVideoXPipeline and CogVideoXImageToVideoPipeline enter as cache_context("cond_uncond") ' +
    'without them, and it has no raw-vision adapter for CogVideoX; it then runs every block on every step (fail-open), silently',
}

/** Names a method list may use: TeaCache (whose policy stays in TypeScript) and diffusers' caches. */
export const METHOD_NAMES = ['teacache', ...METHODS.map((m) => m.name)]
