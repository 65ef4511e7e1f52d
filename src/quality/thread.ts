import { serveThread } from '../util/thread-lane.ts'
import { measureSpan } from './pair.ts'

/** The body of a metric worker thread (see pool.ts): one span of frame pairs per message. */
serveThread(measureSpan)
