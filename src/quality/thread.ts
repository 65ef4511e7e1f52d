import { parentPort } from 'node:worker_threads'
import { isTeacacheError } from '../errors.ts'
import { measureSpan, type Span } from './pair.ts'

/** The body of a metric worker thread (see pool.ts): one span of frame pairs per message, answered in kind. */
const port = parentPort
if (!port) throw new Error('src/quality/thread.ts runs as a worker thread only')

port.on('message', async (span: Span) => {
  try {
    port.postMessage({ metrics: await measureSpan(span) })
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    port.postMessage({ error: { message, code: isTeacacheError(error) ? error.code : null } })
  }
})
