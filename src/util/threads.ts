import { TeacacheError } from '../errors.ts'

const MAX_THREADS = 256

/** A thread count from the environment variable `name` (an integer from 1 to 256), else `fallback`. */
export function threadSetting(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim()
  if (raw === undefined || raw === '') return Math.max(1, fallback)
  const threads = Number(raw)
  if (!/^\d+$/.test(raw) || threads < 1 || threads > MAX_THREADS) {
    throw new TeacacheError('CONFIG', `${name}: expected an integer from 1 to ${MAX_THREADS}, got "${env[name]}"`)
  }
  return threads
}
