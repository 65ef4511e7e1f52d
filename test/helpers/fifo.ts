import { closeSync, constants, openSync } from 'node:fs'

/**
 * Opens `fifo` for writing, without blocking, and closes it: a reader stuck on it (a product
 * that opened it blocking) gets end-of-file and goes on, so a test of a FIFO can fail but never
 * hang its process. Nothing to release (no FIFO, no reader): nothing happens.
 */
export function releaseFifo(fifo: string): void {
  try {
    closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK))
  } catch {
    // ENXIO: no reader waits on it; ENOENT: never made.
  }
}
