import { TeacacheError } from '../errors.ts'
import { readProblem, readRegularFile } from '../util/fs.ts'

/** Calibration inputs and data: the prompts to run, and the (x, y) pairs one generation yields. */

export interface Pairs {
  xs: number[]
  ys: number[]
}

/**
 * Pair step i's raw indicator distance with the relative L1 change of the transformer output
 * between steps i-1 and i (TEACACHE.md section 3). Step 0 has neither.
 */
export function pairsOf(distances: ReadonlyArray<number | null>, outputChanges: ReadonlyArray<number | null>): Pairs {
  if (distances.length !== outputChanges.length) {
    throw new Error(`calibration: ${distances.length} indicator distances but ${outputChanges.length} output changes; every step must report both`)
  }
  const xs: number[] = []
  const ys: number[] = []
  for (let i = 1; i < distances.length; i++) {
    const x = distances[i]
    const y = outputChanges[i]
    if (x === null || y === null) throw new Error(`calibration: step ${i} is missing its ${x === null ? 'indicator distance' : 'output change'}`)
    xs.push(x)
    ys.push(y)
  }
  return { xs, ys }
}

export function mergePairs(all: readonly Pairs[]): Pairs {
  return { xs: all.flatMap((p) => p.xs), ys: all.flatMap((p) => p.ys) }
}

/** One prompt per non-empty line; lines starting with # are comments. */
export async function readPrompts(file: string): Promise<string[]> {
  const text = await readRegularFile(file).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code
    throw new TeacacheError('INPUT', `--prompts: ${file} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${readProblem(error)})`}`)
  })
  const prompts = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'))
  if (prompts.length === 0) throw new TeacacheError('INPUT', `--prompts: ${file} has no prompts; expected one prompt per line`)
  return prompts
}
