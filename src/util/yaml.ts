import type { Document } from 'yaml'
import { TeacacheError, type ErrorCode } from '../errors.ts'

/**
 * A YAML document's value, with alias expansion bounded: a few lines of nested aliases (an
 * "alias bomb") would otherwise expand to billions of nodes. A config has no use for more than
 * a handful of aliases.
 */
export const MAX_ALIAS_COUNT = 100

export function yamlValue(doc: Document, where: string, code: ErrorCode = 'CONFIG'): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
  } catch (error) {
    const message = (error as Error).message
    const why = /excessive alias count/i.test(message)
      ? `expected at most ${MAX_ALIAS_COUNT} alias expansions (a YAML "alias bomb" expands to billions of values)`
      : message.split('\n')[0]
    throw new TeacacheError(code, `${where}: YAML: ${why}`)
  }
}
