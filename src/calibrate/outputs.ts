import { promises as fs } from 'node:fs'
import { parseDocument } from 'yaml'
import { TeacacheError } from '../errors.ts'
import { COEFFICIENTS_FORMAT } from '../policy/coefficients-file.ts'
import { contains } from '../util/paths.ts'
import { yamlValue } from '../util/yaml.ts'
import { PLOT_HEADER } from './plot.ts'

/**
 * What calibrate may write over: nothing without --force, and with it only a coefficients file
 * and a plot that calibrate wrote (recognised by their format line and header), never the
 * config itself or anything else that happens to have the name.
 */
const MAX_BYTES = 1 << 20

export async function checkCalibrateOutputs(files: { coefficients: string; plot: string }, options: { force?: boolean; config: string }): Promise<void> {
  for (const [file, kind] of [[files.coefficients, 'coefficients'], [files.plot, 'plot']] as const) {
    const stat = await fs.lstat(file).catch(() => null)
    if (!stat) continue
    if (!options.force) throw new TeacacheError('OUTPUT', `--output: ${file} already exists; choose another file or pass --force to replace one teacache calibrate wrote`)
    const why = contains(file, options.config) ? 'it is the config' : !stat.isFile() ? 'it is not a plain file' : await notCalibrateFile(file, kind, stat.size)
    if (why) throw new TeacacheError('OUTPUT', `--output: --force replaces only files teacache calibrate wrote, and ${file} is not one: ${why}`)
  }
}

async function notCalibrateFile(file: string, kind: 'coefficients' | 'plot', size: number): Promise<string | null> {
  if (size > MAX_BYTES) return 'it is larger than any file calibrate writes'
  const text = await fs.readFile(file, 'utf8')
  if (kind === 'plot') return text.startsWith(PLOT_HEADER) ? null : 'it is not a plot calibrate drew'
  try {
    const value = yamlValue(parseDocument(text), file, 'INPUT') as { format?: unknown } | null
    return value && typeof value === 'object' && value.format === COEFFICIENTS_FORMAT ? null : `it has no "format: ${COEFFICIENTS_FORMAT}" line`
  } catch {
    return 'it is not YAML written by teacache calibrate'
  }
}
