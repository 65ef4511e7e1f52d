import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { BIN_PATH } from '../python/interpreter.ts'
import { TeacacheError } from '../errors.ts'
import { onShutdown } from '../run/signals.ts'
import { formatShard, splitShard, type Shard } from './grid.ts'
import { WORKER_PARENT_ENV } from './orphan.ts'

/**
 * `--devices`: one worker process per device. The Python bridge starts once per Node process,
 * so each worker is a child `teacache sweep --shard k/n` (or `teacache tune --shard k/n`) pinned
 * to its device; they write into the same sweep folder and the parent reports on what they made.
 */
export interface Worker {
  label: string
  device: string
  shard: Shard
  /** What the child runs on: "cuda" with only its GPU visible, or "cpu". */
  deviceFlag: string
  env: Record<string, string>
}

export const DEVICE_ID = /^(cpu|\d+)$/

export function parseDevices(text: string): string[] {
  const items = text.split(',').map((s) => s.trim())
  const bad = items.find((d) => !DEVICE_ID.test(d))
  if (bad !== undefined) throw new RangeError(`expected a comma-separated list of GPU numbers or "cpu" (e.g. 0,1), got "${bad}"`)
  // 0 and 00 name one card: compared, and handed to the workers, without leading zeros.
  const devices = items.map((d) => d.replace(/^0+(?=\d)/, ''))
  const twice = devices.findIndex((d, i) => d !== 'cpu' && devices.indexOf(d) !== i)
  if (twice >= 0) {
    const first = items[devices.indexOf(devices[twice])]
    const spelt = first === items[twice] ? '' : ` (as ${first} and ${items[twice]})`
    throw new RangeError(`GPU ${devices[twice]} is listed twice${spelt}; one worker per GPU`)
  }
  return devices
}

export function planWorkers(devices: string[], shard: Shard | undefined): Worker[] {
  const shards = splitShard(shard, devices.length)
  return devices.map((device, i) => ({
    label: `worker ${i + 1}/${devices.length} (${device === 'cpu' ? 'cpu' : `gpu ${device}`})`,
    device,
    shard: shards[i],
    // Hiding the other GPUs keeps each worker's allocations (and diffusers' default device) on its own card.
    deviceFlag: device === 'cpu' ? 'cpu' : 'cuda',
    env: { CUDA_VISIBLE_DEVICES: device === 'cpu' ? '' : device },
  }))
}

export interface WorkerResult {
  worker: Worker
  exitCode: number
  signal: NodeJS.Signals | null
}

/** Start every worker, prefix its output lines with its label, and wait for all of them. */
export async function runWorkers(
  workers: Worker[],
  argsFor: (worker: Worker) => string[],
  options: { bin?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ results: WorkerResult[]; signal?: NodeJS.Signals; exitCode: number }> {
  const bin = options.bin ?? BIN_PATH
  const children: ChildProcess[] = []
  // Ctrl-C reaches the children through the terminal's process group; SIGTERM from a scheduler
  // reaches only this process, so pass it on and let each worker record its current run.
  const shutdown = onShutdown(() => {
    for (const child of children) if (child.exitCode === null) child.kill(shutdown.signal)
    return undefined
  })
  try {
    const results = await Promise.all(
      workers.map((worker) => {
        // stdin is a pipe this process never writes to: it closes when this process dies, however
        // it dies, and the worker stops (src/sweep/orphan.ts).
        const child = spawn(process.execPath, [bin, ...argsFor(worker)], {
          env: { ...(options.env ?? process.env), ...worker.env, [WORKER_PARENT_ENV]: String(process.pid) },
          stdio: ['pipe', 'pipe', 'pipe'],
        })
        child.stdin!.on('error', () => {})
        children.push(child)
        forward(child.stdout!, process.stdout, worker.label)
        forward(child.stderr!, process.stderr, worker.label)
        return new Promise<WorkerResult>((resolve) => {
          child.once('error', (error) => {
            process.stderr.write(`[${worker.label}] could not start: ${error.message}\n`)
            resolve({ worker, exitCode: 1, signal: null })
          })
          child.once('close', (code, signal) => resolve({ worker, exitCode: code ?? 1, signal }))
        })
      }),
    )
    return { results, signal: shutdown.signal, exitCode: shutdown.exitCode }
  } finally {
    shutdown.dispose()
  }
}

/** How finished workers end the command: null when all succeeded; bad input (exit 2) stays exit 2. */
export function workersFailure(results: readonly WorkerResult[], seeAlso = ''): TeacacheError | null {
  const failed = results.filter((r) => r.exitCode !== 0)
  if (failed.length === 0) return null
  const lines = failed.map((r) => `${describeWorker(r.worker)} exited with code ${r.exitCode}${r.signal ? ` (${r.signal})` : ''}`)
  return new TeacacheError('PYTHON', `${lines.join('; ')}; see its output above${seeAlso}`, { exitCode: failed[0].exitCode === 2 ? 2 : 1 })
}

function forward(from: NodeJS.ReadableStream, to: NodeJS.WritableStream, label: string): void {
  createInterface({ input: from, crlfDelay: Infinity }).on('line', (line) => to.write(`[${label}] ${line}\n`))
}

export const describeWorker = (w: Worker) => `${w.label}, shard ${formatShard(w.shard)}`
