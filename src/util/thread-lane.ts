import { parentPort, Worker, type WorkerOptions } from 'node:worker_threads'
import { isTeacacheError, TeacacheError, type ErrorCode } from '../errors.ts'

/**
 * One worker thread answering one request at a time (the metric pool's lanes, the report's read
 * threads). The thread's body is `serveThread`; a failure there comes back as the same kind of
 * error (a TeacacheError keeps its code), and a thread that dies fails its request and is
 * started afresh for the next one.
 */
type Reply<Res> = { value: Res } | { error: { message: string; code: ErrorCode | null } }

export class ThreadLane<Req, Res> {
  private worker: Worker | null = null
  private pending: { resolve(value: Res): void; reject(error: unknown): void } | null = null

  /** `exited`: the error message for a thread that exits with this code mid-request. */
  constructor(private readonly entry: URL, private readonly exited: (code: number) => string, private readonly options: WorkerOptions = {}) {}

  run(request: Req): Promise<Res> {
    const worker = this.worker ?? this.start()
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject }
      worker.postMessage(request)
    })
  }

  async close(): Promise<void> {
    const worker = this.worker
    this.worker = null
    await worker?.terminate()
  }

  private start(): Worker {
    const worker = new Worker(this.entry, this.options)
    const settle = (outcome: { value: Res } | { error: unknown }) => {
      const pending = this.pending
      this.pending = null
      if (!pending) return
      if ('value' in outcome) pending.resolve(outcome.value)
      else pending.reject(outcome.error)
    }
    worker.on('message', (reply: Reply<Res>) => {
      if ('value' in reply) settle(reply)
      else settle({ error: reply.error.code ? new TeacacheError(reply.error.code, reply.error.message) : new Error(reply.error.message) })
    })
    worker.on('error', (error) => settle({ error }))
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = null
      settle({ error: new Error(this.exited(code)) })
    })
    this.worker = worker
    return worker
  }
}

/** The body of a ThreadLane's thread: each request answered with `handle`'s value, or its error as data. */
export function serveThread<Req, Res>(handle: (request: Req) => Res | Promise<Res>): void {
  const port = parentPort
  if (!port) throw new Error('a ThreadLane body runs as a worker thread only')
  port.on('message', async (request: Req) => {
    let reply: Reply<Res>
    try {
      reply = { value: await handle(request) }
    } catch (error) {
      reply = { error: { message: error instanceof Error ? error.message : String(error), code: isTeacacheError(error) ? error.code : null } }
    }
    port.postMessage(reply)
  })
}
