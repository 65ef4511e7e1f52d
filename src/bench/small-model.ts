import { execa } from 'execa'
import { findPython, PROJECT_ROOT, withTeacachePython } from '../python/interpreter.ts'

export { findPython, PROJECT_ROOT }

/** The CPU bench's `small` model (random seeded weights) saved to `dir`, by python/teacache/bench.py. */
export async function buildSmallModel(dir: string): Promise<void> {
  await execa(findPython(), ['-m', 'teacache.bench', 'save-small', dir], {
    env: { PYTHONPATH: withTeacachePython() },
    stdin: 'ignore',
  })
}
