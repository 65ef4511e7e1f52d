import { availableParallelism } from 'node:os'
import { ThreadLane } from '../util/thread-lane.ts'
import { threadSetting } from '../util/threads.ts'
import { measureSpan, type PairMetrics, type Span } from './pair.ts'

/**
 * Spans of frame pairs measured side by side: one worker thread per lane, each holding one
 * decoded pair (and the pair before it) at a time, fed from one queue. With one lane the spans
 * are measured on the calling thread instead (no worker start-up), still one at a time so memory
 * stays at one pair.
 */
export const THREADS_ENV = 'TEACACHE_QUALITY_THREADS'
/** Past this many threads the 81 frames of a video leave most of them idle in the last round. */
export const DEFAULT_THREAD_CAP = 16

/** TEACACHE_QUALITY_THREADS, else the cores this process may use, capped. */
export function qualityThreads(env: NodeJS.ProcessEnv = process.env, cores = availableParallelism()): number {
  return threadSetting(env, THREADS_ENV, Math.min(cores, DEFAULT_THREAD_CAP))
}

export interface MetricsPool {
  readonly threads: number
  /** Queued spans whose signal has aborted by the time a lane is free are dropped, not measured. */
  measure(span: Span, signal?: AbortSignal): Promise<PairMetrics[]>
  close(): Promise<void>
}

interface Task {
  span: Span
  signal?: AbortSignal
  resolve(metrics: PairMetrics[]): void
  reject(error: unknown): void
}

interface Lane {
  run(span: Span): Promise<PairMetrics[]>
  close(): Promise<void>
}

export function openPool(threads: number): MetricsPool {
  const count = Math.max(1, Math.floor(threads))
  const lanes: Lane[] = count === 1 ? [{ run: measureSpan, close: async () => {} }] : Array.from({ length: count }, () => workerLane())
  const idle = [...lanes]
  const queue: Task[] = []
  let closed = false

  const dispatch = () => {
    while (idle.length > 0 && queue.length > 0) {
      const task = queue.shift()!
      if (task.signal?.aborted) {
        task.reject(task.signal.reason)
        continue
      }
      const lane = idle.pop()!
      lane.run(task.span).then(task.resolve, task.reject).finally(() => {
        idle.push(lane)
        dispatch()
      })
    }
  }

  return {
    threads: count,
    measure(span, signal) {
      if (closed) return Promise.reject(new Error('the quality pool is closed'))
      return new Promise<PairMetrics[]>((resolve, reject) => {
        queue.push({ span, signal, resolve, reject })
        dispatch()
      })
    },
    async close() {
      closed = true
      for (const task of queue.splice(0)) task.reject(new Error('the quality pool was closed'))
      await Promise.all(lanes.map((lane) => lane.close()))
    },
  }
}

/** Workers start as plain Node: thread.mjs teaches them TypeScript before loading thread.ts. */
const WORKER = new URL('./thread.mjs', import.meta.url)

/** One worker thread, one span at a time; a worker that dies is replaced for the next span. */
const workerLane = (): Lane => new ThreadLane<Span, PairMetrics[]>(WORKER, (code) => `a quality worker thread exited (code ${code}) while measuring frame pairs`)
