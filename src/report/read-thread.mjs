// A read thread starts as plain Node, without the TypeScript loader that bin/teacache.mjs (or
// vitest) set up in the main thread, so it registers tsx itself before loading its TypeScript.
import { register } from 'tsx/esm/api'

register()
await import('./read-thread.ts')
