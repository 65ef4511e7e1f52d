import { TeacacheError } from '../errors.ts'
import { relativeHalfWidth, type MedianInterval } from '../stats/interval.ts'

/**
 * How many timing rounds a sweep gives each prompt x seed group: a count, or `auto` (the default).
 *
 * A round times every cell of the group once, baseline first, in one process; a speedup is the
 * median over rounds of the round's baseline / variant ratio. A slow spell on a busy machine then
 * lands on both sides of one round's pair, or on one round of many, instead of on one cell.
 *
 * `auto` adds rounds until every variant's interval (src/stats/interval.ts) is within ±5%, or a cap
 * is reached: AUTO.maxRounds rounds or AUTO.maxSeconds seconds of the group's rounds. A generation
 * that takes AUTO.longGeneration seconds or more (full size: minutes, and repeats within 1% on an
 * H100) gets one round: another would cost minutes and buy nothing, and the report says the
 * speedup comes from one pair.
 */
export type Repeats = number | 'auto'

export const AUTO = {
  /** Fewer rounds than this cannot show a narrow interval: [min, max] of 5 covers the median 94%. */
  minRounds: 5,
  maxRounds: 20,
  maxSeconds: 120,
  halfWidth: 0.05,
  longGeneration: 30,
} as const
export const MAX_REPEATS = 100

/** Why a group's rounds ended (recorded per session in run.json `timing`). */
export type RoundStop = 'fixed' | 'interval' | 'round-cap' | 'time-cap' | 'long-generation' | 'interrupted' | 'failed'

export interface RoundState {
  /** Rounds done so far in this session. */
  rounds: number
  /** Seconds since the group's first round began, and the last round's length. */
  elapsed: number
  lastRound: number
  /** The slowest single generation (denoise + decode) of the first round. */
  slowestGeneration: number
  /** Every variant's paired speedup interval so far (null: not measurable yet). */
  intervals: ReadonlyArray<MedianInterval | null>
}

/** Whether to time another round, or why not. */
export function nextRound(setting: Repeats, state: RoundState): { go: true } | { go: false; stop: RoundStop } {
  if (setting !== 'auto') return state.rounds < setting ? { go: true } : { go: false, stop: 'fixed' }
  if (state.rounds >= 1 && state.slowestGeneration >= AUTO.longGeneration) return { go: false, stop: 'long-generation' }
  const narrow = state.intervals.every((i) => i !== null && i.n >= 2 && relativeHalfWidth(i) <= AUTO.halfWidth + 1e-12)
  if (state.rounds >= AUTO.minRounds && narrow) return { go: false, stop: 'interval' }
  if (state.rounds >= AUTO.maxRounds) return { go: false, stop: 'round-cap' }
  // Stop before a round that would end past the cap, not after it.
  if (state.rounds >= 1 && state.elapsed + state.lastRound > AUTO.maxSeconds) return { go: false, stop: 'time-cap' }
  return { go: true }
}

/** `--repeats auto` or an integer from 1 to MAX_REPEATS. */
export function parseRepeats(value: string | number): Repeats {
  if (value === 'auto') return 'auto'
  const n = typeof value === 'number' ? value : value.trim() === '' ? Number.NaN : Number(value)
  if (!(Number.isSafeInteger(n) && n >= 1 && n <= MAX_REPEATS)) {
    throw new TeacacheError('CONFIG', `--repeats: expected auto or an integer from 1 to ${MAX_REPEATS}, got "${value}"`)
  }
  return n
}

/** What the setting means, as the sweep prints it before the work and the report repeats it. */
export function describeRepeats(setting: Repeats): string {
  if (setting !== 'auto') return `${setting} timing round${setting === 1 ? '' : 's'} per prompt x seed group`
  return `timing rounds until every speedup's 95% interval is within ±${AUTO.halfWidth * 100}% (at least ${AUTO.minRounds}), ` +
    `capped at ${AUTO.maxRounds} rounds or ${AUTO.maxSeconds} s per prompt x seed group; one round where a generation takes ${AUTO.longGeneration} s or more`
}

/** Why the rounds stopped, in words. */
export function describeStop(stop: RoundStop | 'running'): string {
  switch (stop) {
    case 'fixed': return 'the rounds asked for (--repeats K)'
    case 'interval': return `every interval within ±${AUTO.halfWidth * 100}%`
    case 'round-cap': return `the cap of ${AUTO.maxRounds} rounds`
    case 'time-cap': return `the cap of ${AUTO.maxSeconds} s`
    case 'long-generation': return `one round: a generation took ${AUTO.longGeneration} s or more, so the speedup comes from one pair`
    case 'interrupted': return 'interrupted'
    case 'failed': return 'a run failed'
    case 'running': return 'the process ended during its rounds'
  }
}
