import { parentPort, workerData } from 'node:worker_threads'
import type { SweepManifest } from '../sweep/manifest.ts'
import { readQuality, readRun } from './reads.ts'
import type { ReadBatch, ReadReply } from './read-threads.ts'

/** The body of a read thread (see ./read-threads.ts): one batch of reads per message, answered with their results in order. */
const port = parentPort
if (!port) throw new Error('src/report/read-thread.ts runs as a worker thread only')
const manifest = (workerData as { manifest: SweepManifest }).manifest

port.on('message', (batch: ReadBatch) => {
  let reply: ReadReply
  try {
    const results = batch.kind === 'runs' ? batch.jobs.map((j) => readRun(manifest, j.spec, j.dir)) : batch.jobs.map((j) => readQuality(j.dir, j.key, j.series))
    reply = { id: batch.id, results }
  } catch (error) {
    reply = { id: batch.id, error: error instanceof Error ? error.message : String(error) }
  }
  port.postMessage(reply)
})
