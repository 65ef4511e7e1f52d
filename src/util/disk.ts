import { constants } from 'node:os'
import { TeacacheError } from '../errors.ts'

/**
 * A full disk (or a used-up quota, or a file-size limit) is not a bug in teacache: it becomes one
 * line naming the problem and the folder, exit 1, wherever it happens.
 */
export type SpaceCode = 'ENOSPC' | 'EDQUOT' | 'EFBIG'

const WHAT: Record<SpaceCode, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large for this system\'s limits',
}

const isCode = (code: unknown): code is SpaceCode => typeof code === 'string' && Object.hasOwn(WHAT, code)

/** The space problem behind an error from Node's fs, or null. */
export function spaceCode(error: unknown): SpaceCode | null {
  const code = (error as NodeJS.ErrnoException | null)?.code
  return isCode(code) ? code : null
}

/** The same problem from an errno number (Python's OSError.errno), in this platform's numbering. */
export function spaceCodeOfErrno(errno: unknown): SpaceCode | null {
  if (typeof errno !== 'number') return null
  const numbers = constants.errno as Record<string, number>
  return (Object.keys(WHAT) as SpaceCode[]).find((code) => numbers[code] === errno) ?? null
}

export function spaceError(code: SpaceCode, folder: string, doing?: string): TeacacheError {
  return new TeacacheError('DISK', `${WHAT[code]} (${code})${doing ? ` ${doing}` : ''} in ${folder}: free some space there or write the output elsewhere`)
}

/** A space error naming `folder`, or whatever `otherwise` makes of any other error. */
export function spaceErrorOr(error: unknown, folder: string, otherwise: () => unknown): unknown {
  if (error instanceof TeacacheError) return error
  const code = spaceCode(error)
  return code ? spaceError(code, folder) : otherwise()
}

/** Run a write; a space error from it becomes the one-line DISK error naming `folder`. */
export async function spaceChecked<T>(folder: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write()
  } catch (error) {
    throw spaceErrorOr(error, folder, () => error)
  }
}
