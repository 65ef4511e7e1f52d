import { availableParallelism } from 'node:os'
import type { RunSpec } from '../sweep/grid.ts'
import type { SweepManifest } from '../sweep/manifest.ts'
import { ThreadLane } from '../util/thread-lane.ts'
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
export type ReadBatch = { kind: 'runs'; jobs: RunJob[] } | { kind: 'quality'; jobs: QualityJob[] }

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
  const readHere = (start: number) => jobs.slice(start, start + BATCH).forEach((job, i) => (results[start + i] = read(job)))
  if (threads < 2 || jobs.length < (options.minThreaded ?? MIN_THREADED_READS)) {
    for (let start = 0; start < jobs.length; start += BATCH) {
      readHere(start)
      // Between batches the event loop turns: a sweep's progress and its signal handlers wait at most one batch.
      await new Promise((next) => setImmediate(next))
    }
    return results
  }
  const threadOptions = { workerData: { manifest }, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } }
  let next = 0
  const lane = async () => {
    let thread: ThreadLane<ReadBatch, unknown[]> | null = new ThreadLane(options.entry ?? THREAD, (code) => `a read thread exited (code ${code})`, threadOptions)
    try {
      while (next < jobs.length) {
        const start = next
        next += BATCH
        const got = thread ? await thread.run({ kind, jobs: jobs.slice(start, start + BATCH) } as ReadBatch).catch(() => null) : null
        if (got) got.forEach((result, i) => (results[start + i] = result as R))
        else {
          // A thread that failed reads nothing more: this lane's batches are read here, as without threads.
          await thread?.close()
          thread = null
          readHere(start)
        }
      }
    } finally {
      await thread?.close()
    }
  }
  await Promise.all(Array.from({ length: threads }, lane))
  return results
}
