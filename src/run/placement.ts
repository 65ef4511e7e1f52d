import { hostname } from 'node:os'
import type { WorkerInfo } from './record.ts'

/**
 * Where this process runs its generations, for run.json: a speedup compares two runs, and is only
 * a speedup when both ran on the same host, device and process.
 */
export function wherePlaced(device: string, deviceName: string, env: NodeJS.ProcessEnv = process.env): WorkerInfo {
  return { host: hostname(), device, device_index: physicalIndex(device, env.CUDA_VISIBLE_DEVICES), device_name: deviceName, pid: process.pid }
}

/**
 * The GPU's index as nvidia-smi numbers it: torch's "cuda:N" counts only the visible devices, so
 * N goes through CUDA_VISIBLE_DEVICES. Null on a CPU, or when the list names devices by UUID.
 */
export function physicalIndex(device: string, visible: string | undefined): number | null {
  const match = /^cuda(?::(\d+))?$/.exec(device)
  if (!match) return null
  const ordinal = Number(match[1] ?? 0)
  if (visible === undefined || visible.trim() === '') return visible === undefined ? ordinal : null
  const entry = visible.split(',')[ordinal]?.trim()
  return entry !== undefined && /^\d+$/.test(entry) ? Number(entry) : null
}
