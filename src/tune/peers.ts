import { hostname } from 'node:os'
import { join } from 'node:path'
import { z } from 'zod'
import { RUN_LOCK } from '../run/safe-force.ts'
import { runFolderOf } from '../sweep/folder.ts'
import { formatShard, type RunSpec, type Shard } from '../sweep/grid.ts'
import { WRITERS } from '../sweep/writers.ts'
import { makeDirs, writeJsonAtomic } from '../util/fs.ts'
import { currentOwner, describeOwner, ownerGone, ownerSchema, readEntry, readOwner, type LockOwner } from '../util/lock.ts'
import { describeWait, disagreeError, goneError, judgeWait, ownerOf, stepDigest, type PeerView } from './shards.ts'

/**
 * The folder side of `tune --shard`: each shard keeps an entry in the sweep folder's register of
 * writers (`.teacache-writers/tune-shards/<i>-of-<n>.json`: its process, how far it got, what it
 * made), and waits for the other shards' cells of each step. The register's own entries vanish
 * when their process exits, which cannot tell "finished" from "not started yet"; these stay, so
 * that a shard whose peer ended or was killed says so instead of waiting for ever.
 */
export const PEERS = join(WRITERS, 'tune-shards')
/** How often a waiting shard looks at the folder: a cell takes seconds at the very least. */
const POLL_MS = 250
/** How long an entry left before this process started may still be a shard about to start again. */
const STALE_GRACE_MS = 120_000

const entrySchema = ownerSchema.extend({
  shard: z.string(),
  identity: z.string(),
  registered_at: z.number(),
  state: z.enum(['running', 'ended']),
  steps: z.array(z.number().int().min(0)),
  digests: z.array(z.string()),
})
type Entry = z.infer<typeof entrySchema>

export interface PeersOptions {
  dir: string
  shard: Shard
  identity: string
  /** Whether a cell's run.json records it completed, read as tune reads it. */
  completed: (spec: RunSpec) => Promise<boolean>
  /** The signal that stopped this process, if one did: a wait ends with it. */
  interrupted: () => NodeJS.Signals | undefined
  quiet?: boolean
}

export class ShardPeers {
  private readonly started = Date.now()
  private readonly owner: LockOwner = currentOwner()
  private readonly steps: number[] = []
  private readonly digests: string[] = []
  private state: Entry['state'] = 'running'
  private registered = Date.now()

  constructor(private readonly options: PeersOptions) {}

  private path(index: number): string {
    return join(this.options.dir, PEERS, `${index}-of-${this.options.shard.count}.json`)
  }

  private async write(): Promise<void> {
    const { shard, identity } = this.options
    await makeDirs(join(this.options.dir, PEERS))
    await writeJsonAtomic(this.path(shard.index), { ...this.owner, shard: formatShard(shard), identity, registered_at: this.registered, state: this.state, steps: this.steps, digests: this.digests } satisfies Entry)
  }

  /** Enter the register before this shard makes its first cell (after sweep.json exists). */
  register = (): Promise<void> => {
    this.registered = Date.now()
    return this.write()
  }

  /** Leave it ended, however this shard ends: the others stop waiting for it. */
  async end(): Promise<void> {
    this.state = 'ended'
    await this.write().catch(() => {})
  }

  /**
   * This shard made `made` generations of the step (its cells `mine`); wait until `awaited` (the
   * others' cells of the step) are recorded, and return the generations the other shards made for it.
   */
  async step(made: number, mine: readonly RunSpec[], awaited: readonly RunSpec[]): Promise<number> {
    const digest = stepDigest([...mine, ...awaited])
    this.steps.push(made)
    this.digests.push(digest)
    await this.write()
    const { shard, dir } = this.options
    let said = ''
    // A cell recorded for good stays so: only the others are read again at the next look.
    const settled = new Set<string>()
    for (;;) {
      const signal = this.options.interrupted()
      if (signal) throw new Error(`interrupted by ${signal} while waiting for the other shards`)
      const cells = await Promise.all(awaited.map(async (spec) => {
        if (!settled.has(spec.id) && (await this.settled(spec))) settled.add(spec.id)
        return { id: spec.id, owner: ownerOf(spec, shard.count), settled: settled.has(spec.id) }
      }))
      const verdict = judgeWait({ step: this.steps.length, digest, me: shard, cells, peers: await this.peers(), waitedMs: Date.now() - this.started, graceMs: STALE_GRACE_MS })
      if (verdict.kind === 'ready') return verdict.generations
      if (verdict.kind === 'gone') throw goneError(shard, dir, verdict.peers)
      if (verdict.kind === 'disagree') throw disagreeError(shard, this.steps.length, verdict)
      const line = describeWait(shard, verdict.peers)
      if (!this.options.quiet && line !== said) process.stdout.write(`${line}\n`)
      said = line
      await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    }
  }

  /**
   * Recorded for good: completed, and no live process holds the folder. A group's cells are
   * released together once its timing rounds are written, so a peer's cell read then is final
   * (its baseline's rounds included), and every shard reads the same records.
   */
  private async settled(spec: RunSpec): Promise<boolean> {
    const folder = runFolderOf(this.options.dir, spec.id)
    const lock = await readOwner(join(folder, RUN_LOCK)).catch(() => null)
    if (lock !== 'missing' && (lock === null || !ownerGone(lock))) return false
    return this.options.completed(spec)
  }

  private async peers(): Promise<Map<number, PeerView | null>> {
    const views = new Map<number, PeerView | null>()
    for (let index = 1; index <= this.options.shard.count; index++) {
      if (index === this.options.shard.index) continue
      const entry = await readEntry(this.path(index), entrySchema)
      // Another tune's entry (other gate, prompts or settings) says nothing of this one's shards.
      views.set(index, entry && entry.identity === this.options.identity ? view(entry, this.started) : null)
    }
    return views
  }
}

function view(entry: Entry, since: number): PeerView {
  return {
    state: entry.state,
    alive: !ownerGone(entry),
    stale: entry.registered_at < since,
    steps: entry.steps,
    digests: entry.digests,
    command: entry.command,
    where: entry.host === hostname() ? `pid ${entry.pid}` : describeOwner(entry),
  }
}
