import { workerData } from 'node:worker_threads'
import type { SweepManifest } from '../sweep/manifest.ts'
import { serveThread } from '../util/thread-lane.ts'
import type { ReadBatch } from './read-threads.ts'
import { readQuality, readRun } from './reads.ts'

/** The body of a read thread (see ./read-threads.ts): one batch of reads per message, answered with their results in order. */
const manifest = (workerData as { manifest: SweepManifest }).manifest

serveThread((batch: ReadBatch) => (batch.kind === 'runs' ? batch.jobs.map((j) => readRun(manifest, j.spec, j.dir)) : batch.jobs.map((j) => readQuality(j.dir, j.key, j.series))))
