import { parentPort } from 'node:worker_threads'
import { isTeacacheError } from '../errors.ts'
import { measurePair } from './pair.ts'

/** The body of a metric worker thread (see pool.ts): one frame pair per message, answered in kind. */
const port = parentPort
if (!port) throw new Error('src/quality/worker.ts runs as a worker thread only')

port.on('message', async ({ reference, candidate }: { reference: string; candidate: string }) => {
  try {
    port.postMessage({ metrics: await measurePair(reference, candidate) })
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    port.postMessage({ error: { message, code: isTeacacheError(error) ? error.code : null } })
  }
})
