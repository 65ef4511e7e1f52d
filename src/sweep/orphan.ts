/**
 * A `--devices` worker must not outlive its parent: a scheduler's `kill -9` of the parent would
 * otherwise leave the workers (and their Pythons) generating to the end. The parent gives each
 * worker a stdin pipe it never writes to; the kernel closes it when the parent dies, however it
 * dies. The worker then stops as on SIGTERM: its current run is marked interrupted (resumable)
 * and Python is stopped. Polling the parent pid covers a stdin that was not that pipe.
 */
export const WORKER_PARENT_ENV = 'TEACACHE_WORKER_PARENT'

const POLL_MS = 1000

export function watchParent(env: NodeJS.ProcessEnv = process.env, stop: () => void = () => void process.kill(process.pid, 'SIGTERM')): () => void {
  const parent = env[WORKER_PARENT_ENV]
  if (!parent) return () => {}
  // Once the parent is gone its ends of our stdout/stderr pipes are closed: the next line we print
  // fails with EPIPE, and an unheard stream error would kill this worker before it records its run.
  for (const stream of [process.stdout, process.stderr]) if (!stream.listeners('error').includes(ignoreClosedPipe)) stream.on('error', ignoreClosedPipe)
  // A restarted worker (--restarts) is the child of a worker: what matters is that its parent changes.
  const initialParent = process.ppid
  let done = false
  const gone = (how: string) => {
    if (done) return
    done = true
    dispose()
    process.stderr.write(`teacache: the parent sweep process (pid ${parent}) is gone (${how}); stopping as on SIGTERM, the current run is kept as interrupted\n`)
    stop()
  }
  const onEnd = () => gone('its pipe closed')
  process.stdin.on('end', onEnd)
  process.stdin.on('error', onEnd)
  process.stdin.resume()
  // The pipe must not keep a finished worker alive.
  ;(process.stdin as { unref?: () => void }).unref?.()
  const timer = setInterval(() => {
    if (process.ppid !== initialParent) gone(`this process now belongs to pid ${process.ppid}`)
  }, POLL_MS)
  timer.unref()
  const dispose = () => {
    clearInterval(timer)
    process.stdin.off('end', onEnd)
    process.stdin.off('error', onEnd)
    process.stdin.pause()
  }
  return () => {
    done = true
    dispose()
  }
}

export function ignoreClosedPipe(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error
}
