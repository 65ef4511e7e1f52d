import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { RunSpec } from '../sweep/grid.ts'
import type { SweepManifest } from '../sweep/manifest.ts'
import { threadSetting } from '../util/threads.ts'
import type { QualityKey } from './quality-cache.ts'
import { readQuality, readRun, type QualityRead, type RunRead } from './reads.ts'

/**
 * The reads a report's index could not answer (./reads.ts), on read threads when there are many:
 * a 10,000-prompt sweep's first report parses about 1.2 GB of JSON, which took one thread most of
 * 20 s (bench/report-scale.ts). Each thread reads a batch at a time from one queue and
 * sends back digests, which are small. Results come back in the jobs' order, the same as read on
 * this thread; a thread that dies leaves its batches to this thread, which reads them as it would
 * have without threads (and so fails, if a read fails, the way it always did).
 */
export const READ_THREADS_ENV = 'TEACACHE_READ_THREADS'
const DEFAULT_CAP = 8
/**
 * Below this many reads, starting threads (each loads its modules anew) and sending digests back
 * costs about what they save on 2 cores; a 10,000-prompt sweep's 40,000 records and 30,000
 * quality.json files are read on threads (bench/report-scale.ts times both ways).
 */
export const MIN_THREADED_READS = 20_000
const BATCH = 250
/**
 * A read allocates a file's text and its parsed tree and keeps a digest: almost all of it dies
 * young. A larger young generation than V8's default collects it in fewer, cheaper scavenges.
 */
const YOUNG_GENERATION_MB = 96

export type RunJob = { spec: RunSpec; dir: string }
export type QualityJob = { dir: string; key: QualityKey; series: boolean }
export type ReadBatch = { id: number } & ({ kind: 'runs'; jobs: RunJob[] } | { kind: 'quality'; jobs: QualityJob[] })
export type ReadReply = { id: number; results: unknown[] } | { id: number; error: string }

export interface ReadOptions {
  /** Threads to read on; TEACACHE_READ_THREADS, else the cores this process may use (at most 8). */
  threads?: number
  /** Fewer jobs than this are read on this thread. */
  minThreaded?: number
  /** The thread's entry (tests give one that dies). */
  entry?: URL
}

export function readThreads(env: NodeJS.ProcessEnv = process.env, cores = availableParallelism()): number {
  return threadSetting(env, READ_THREADS_ENV, Math.min(cores, DEFAULT_CAP))
}

export function readRuns(manifest: SweepManifest, jobs: RunJob[], options: ReadOptions = {}): Promise<RunRead[]> {
  return readAll(manifest, 'runs', jobs, (j) => readRun(manifest, j.spec, j.dir), options)
}

export function readQualities(manifest: SweepManifest, jobs: QualityJob[], options: ReadOptions = {}): Promise<QualityRead[]> {
  return readAll(manifest, 'quality', jobs, (j) => readQuality(j.dir, j.key, j.series), options)
}

const THREAD = new URL('./read-thread.mjs', import.meta.url)

async function readAll<J, R>(manifest: SweepManifest, kind: ReadBatch['kind'], jobs: J[], read: (job: J) => R, options: ReadOptions): Promise<R[]> {
  const threads = Math.min(options.threads ?? readThreads(), Math.ceil(jobs.length / BATCH))
  const results: R[] = new Array(jobs.length)
  const starts = Array.from({ length: Math.ceil(jobs.length / BATCH) }, (_, i) => i * BATCH)
  const readHere = (start: number) => jobs.slice(start, start + BATCH).forEach((job, i) => (results[start + i] = read(job)))
  if (threads < 2 || jobs.length < (options.minThreaded ?? MIN_THREADED_READS)) {
    for (const start of starts) {
      readHere(start)
      // Between batches the event loop turns: a sweep's progress and its signal handlers wait at most one batch.
      await new Promise((next) => setImmediate(next))
    }
    return results
  }
  let next = 0
  const lane = async () => {
    let worker: Worker | null = new Worker(options.entry ?? THREAD, { workerData: { manifest }, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } })
    try {
      while (next < starts.length) {
        const start = starts[next++]
        const batch = { id: start, kind, jobs: jobs.slice(start, start + BATCH) } as ReadBatch
        const got = worker ? await ask(worker, batch).catch(() => null) : null
        if (got) got.forEach((result, i) => (results[start + i] = result as R))
        else {
          await worker?.terminate()
          worker = null
          readHere(start)
        }
      }
    } finally {
      await worker?.terminate()
    }
  }
  await Promise.all(Array.from({ length: threads }, lane))
  return results
}

function ask(worker: Worker, batch: ReadBatch): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const settle = (outcome: () => void) => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit)
      outcome()
    }
    const onMessage = (reply: ReadReply) => {
      if (reply.id === batch.id) settle(() => ('results' in reply ? resolve(reply.results) : reject(new Error(reply.error))))
    }
    const onError = (error: Error) => settle(() => reject(error))
    const onExit = (code: number) => settle(() => reject(new Error(`a read thread exited (code ${code})`)))
    worker.on('message', onMessage).on('error', onError).on('exit', onExit)
    worker.postMessage(batch)
  })
}
