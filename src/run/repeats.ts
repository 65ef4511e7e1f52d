import { TeacacheError } from '../errors.ts'

/**
 * How many timed generations a sweep cell gets: a count, or `auto` (the default), which repeats
 * a cell until its generations add up to AUTO_TIMED_SECONDS, at most AUTO_MAX_REPEATS.
 *
 * Why adaptive: the noise a timing carries does not scale with the generation. At full size on an
 * H100 a generation takes minutes and its repeats agree within 1%, so a second one costs minutes
 * and buys nothing; `auto` times it once. A generation of 0.1-0.2 s (the tiny model, or a small
 * config) is mostly launch overhead and varies by up to 30%: on the CPU here, single timings put
 * two baselines of the same grid 15% apart and flagged speedups above what their schedule allows.
 * `auto` gives such a cell 5-7 repeats, whose median is what the report shows.
 */
export type Repeats = number | 'auto'

export const AUTO_TIMED_SECONDS = 1
export const AUTO_MAX_REPEATS = 10
export const MAX_REPEATS = 100

/** Timed generations for a cell whose first generation took `firstSeconds` (denoise + decode). */
export function repeatsFor(setting: Repeats, firstSeconds: number): number {
  if (setting !== 'auto') return setting
  if (!(firstSeconds > 0)) return 1
  return Math.min(AUTO_MAX_REPEATS, Math.max(1, Math.ceil(AUTO_TIMED_SECONDS / firstSeconds)))
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

/** The repeats task's title, written before the first generation says how many `auto` means. */
export function repeatsTitle(setting: Repeats): string {
  if (setting === 'auto') return `Time the cell again until ${AUTO_TIMED_SECONDS} s is timed (repeats: auto, at most ${AUTO_MAX_REPEATS})`
  return `Time ${setting - 1} more generation${setting > 2 ? 's' : ''} of the same cell (repeats)`
}
