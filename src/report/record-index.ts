import { createHash } from 'node:crypto'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import packageJson from '../../package.json' with { type: 'json' }
import { readRegularFileSync, writeFileAtomic } from '../util/fs.ts'
import type { RunDigest } from './digest.ts'
import { keyText, type QualityDigest, type QualityKey } from './quality-cache.ts'

/**
 * What earlier reports learnt from a sweep folder's files, kept in `.teacache-index.json` so the
 * next report reads a digest per run instead of every record: a 10,000-prompt sweep's records are
 * about 1.2 GB of JSON, which took most of a report's time to parse (bench/report-scale.ts).
 *
 * An entry counts only for the very file it was made from: its identity (device, inode, size,
 * and modification and change times in nanoseconds) must be what the file has now. A record
 * rewritten in place, replaced by rename, copied back or touched gets another identity and is
 * read again; the change time cannot be set back by hand. A run's entry counts only where the
 * record fitted its cell: under the same sweep.json (its text's hash), or, once the sweep grew or
 * was replaced, when the record's settings fingerprint is the cell's. The index is only a cache:
 * a missing, cut or edited index (its body's hash checked), or one another teacache version
 * wrote, is ignored and rewritten, and one that cannot be written costs only time.
 */
export const INDEX_FILE = '.teacache-index.json'
const FORMAT = 'teacache-index/1'

/**
 * A digest as the index keeps it: the parts that many runs share (the model, the environment,
 * TeaCache's settings, the video's shape, the worker, a group's timing sessions) by their place
 * in the body's `shared` list, and the schedule as one character a step, which makes the file
 * half its size and quicker to read.
 */
type Packed = Omit<RunDigest, Interned | 'schedule'> & Record<Interned, number> & { schedule: string }
const INTERNED = ['model', 'environment', 'teacache', 'config', 'worker', 'timing'] as const
type Interned = (typeof INTERNED)[number]

interface RunEntry {
  file: string
  /** The fingerprint of the record's settings, which fitted its cell's. */
  settings: string
  digest: Packed
}

interface QualityEntry {
  file: string
  /** The hash of the key the file was made for (both runs as measured, and the metrics' version). */
  key: string
  digest: QualityDigest
}

interface Body {
  /** The hash of the sweep.json text the records were judged against. */
  manifest: string
  shared: unknown[]
  runs: Record<string, RunEntry>
  quality: Record<string, QualityEntry>
}

export interface FileIdentity {
  key: string
  /** When the file last changed (its change time, ms since the epoch). */
  changed: number
}

/**
 * A file's identity as the index compares it; null when there is no regular file at `path` or it
 * cannot be looked at (the read that follows then says why, as it did without an index).
 */
export function fileIdentity(path: string): FileIdentity | null {
  let s
  try {
    s = statSync(path, { bigint: true, throwIfNoEntry: false })
  } catch {
    return null
  }
  return s?.isFile() ? { key: `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`, changed: Number(s.ctimeNs / 1_000_000n) } : null
}

/**
 * A file changed this recently is not indexed: file times advance in ticks (a few ms on Linux,
 * 2 s on FAT), so a same-size edit in place within the tick of the report's read would keep
 * its identity. Such a file is read again by the next report, as git treats a racily clean file.
 */
export const SETTLE_MS = 3000
const settled = (file: FileIdentity) => Date.now() - file.changed > SETTLE_MS

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex')

export class RecordIndex {
  private readonly old: Body
  private readonly next: Body
  private readonly interned = new Map<string, number>()
  private changed: boolean

  private constructor(readonly dir: string, manifestText: string, old: Body | null) {
    const manifest = sha256(manifestText)
    this.old = old ?? { manifest, shared: [], runs: {}, quality: {} }
    // Entries that stay keep their places in the shared list; new values are added after them.
    this.next = { manifest, shared: [...this.old.shared], runs: {}, quality: {} }
    this.next.shared.forEach((value, i) => this.interned.set(JSON.stringify(value), i))
    this.changed = old === null || old.manifest !== manifest
  }

  /** The folder's index, or an empty one when it has none that this teacache wrote whole. */
  static load(dir: string, manifestText: string): RecordIndex {
    return new RecordIndex(dir, manifestText, readBody(join(dir, INDEX_FILE)))
  }

  /** Whether the index has an entry for this run's record or quality.json at all: where it has none, no file need be looked at. */
  has(kind: 'runs' | 'quality', id: string): boolean {
    return Object.hasOwn(this.old[kind], id)
  }

  /**
   * The digest of the run.json with this identity, when it fitted its cell: under this very
   * manifest, or with the settings `expected` gives (a grown sweep's cells keep theirs); else null.
   */
  run(id: string, file: FileIdentity, expected: () => string): RunDigest | null {
    const entry = Object.hasOwn(this.old.runs, id) ? this.old.runs[id] : undefined
    if (!entry || entry.file !== file.key) return null
    if (this.old.manifest !== this.next.manifest && entry.settings !== expected()) return null
    this.next.runs[id] = entry
    return this.unpack(entry.digest)
  }

  /** Kept for the next report: a record that fitted its cell (settings: their fingerprint), read from the file with this identity. */
  putRun(id: string, file: FileIdentity, settings: string, digest: RunDigest): void {
    if (!settled(file)) return
    this.next.runs[id] = { file: file.key, settings, digest: this.pack(digest) }
    this.changed = true
  }

  /** The digest of a quality.json with this identity made for exactly this key; null when none is. */
  quality(id: string, file: FileIdentity, key: QualityKey): QualityDigest | null {
    const entry = Object.hasOwn(this.old.quality, id) ? this.old.quality[id] : undefined
    if (!entry || entry.file !== file.key || entry.key !== keyHash(key)) return null
    this.next.quality[id] = entry
    return entry.digest
  }

  putQuality(id: string, file: FileIdentity, key: QualityKey, digest: QualityDigest): void {
    if (!settled(file)) return
    this.next.quality[id] = { file: file.key, key: keyHash(key), digest }
    this.changed = true
  }

  /**
   * Writes what this report used, when it differs from what was read: entries of runs gone from
   * the grid or of files changed since are dropped. A folder that cannot be written to (a
   * read-only share) keeps its old index.
   */
  async save(): Promise<void> {
    const count = (b: Body) => Object.keys(b.runs).length + Object.keys(b.quality).length
    if (!this.changed && count(this.old) === count(this.next)) return
    // Encoded once, for the hash and the file alike: a large sweep's body is tens of MB.
    const body = Buffer.from(JSON.stringify(this.next))
    const text = Buffer.concat([Buffer.from(header(sha256(body))), body, Buffer.from('}\n')])
    await writeFileAtomic(join(this.dir, INDEX_FILE), text).catch(() => {})
  }

  private pack(digest: RunDigest): Packed {
    const packed = { ...digest, schedule: digest.schedule.map((computed) => (computed ? '1' : '0')).join('') } as unknown as Packed
    for (const field of INTERNED) {
      // Fields older records lack stay absent (a place would read back as null).
      if (digest[field] === undefined) continue
      const text = JSON.stringify(digest[field])
      let at = this.interned.get(text)
      if (at === undefined) {
        at = this.next.shared.push(digest[field]) - 1
        this.interned.set(text, at)
      }
      packed[field] = at
    }
    return packed
  }

  private unpack(packed: Packed): RunDigest {
    const digest = { ...packed, schedule: [...packed.schedule].map((c) => c === '1') } as unknown as RunDigest
    for (const field of INTERNED) if (packed[field] !== undefined) (digest as unknown as Record<Interned, unknown>)[field] = this.old.shared[packed[field]]
    return digest
  }
}

const keyHash = (key: QualityKey) => sha256(keyText(key))

/**
 * The file is one JSON object whose last field is the body, and the body's text is hashed as
 * written: `{"format":...,"teacache":...,"sha256":...,"body":<body>}`. So a reader checks the
 * hash on the text itself before parsing it, and the file stays JSON for anyone looking.
 */
const header = (hash: string) => `${JSON.stringify({ format: FORMAT, teacache: packageJson.version, sha256: hash }).slice(0, -1)},"body":`

/** The index's body when the file is one this teacache wrote, whole; else null. */
function readBody(path: string): Body | null {
  let text: string
  try {
    text = readRegularFileSync(path)
  } catch {
    return null
  }
  const start = text.indexOf(',"body":')
  const end = text.lastIndexOf('}')
  if (start < 0 || end < start) return null
  const body = text.slice(start + ',"body":'.length, end)
  // Another version may judge records or digest them otherwise: its index is not this one's.
  if (text.slice(0, start + ',"body":'.length) !== header(sha256(body))) return null
  try {
    const parsed = JSON.parse(body) as Body
    return parsed && typeof parsed.manifest === 'string' && Array.isArray(parsed.shared) && typeof parsed.runs === 'object' && typeof parsed.quality === 'object' ? parsed : null
  } catch {
    return null
  }
}
