/**
 * JSON with object keys sorted and undefined values left out: equal values give equal text
 * (fingerprints, ids). Written directly rather than through JSON.stringify's replacer, which
 * copied every object: a large sweep's report compares tens of thousands of run settings.
 * The text is JSON.stringify's, key order aside (test/util/json.test.ts holds that).
 */
export function canonicalJson(value: unknown): string {
  return write(value) as string
}

function write(value: unknown): string | undefined {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return JSON.stringify(value)
  if (typeof value === 'function') return undefined
  const toJSON = (value as { toJSON?: () => unknown }).toJSON
  if (typeof toJSON === 'function') return write(toJSON.call(value))
  if (Array.isArray(value)) return `[${value.map((item) => write(item) ?? 'null').join(',')}]`
  const record = value as Record<string, unknown>
  const parts: string[] = []
  for (const key of sortedKeys(record)) {
    const text = write(record[key])
    if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`)
  }
  return `{${parts.join(',')}}`
}

/**
 * Keys sorted, except that integer-like keys come first in numeric order, as in any object built
 * from sorted entries (which is what the text has always been). Object.keys lists those first already.
 */
function sortedKeys(record: Record<string, unknown>): string[] {
  const keys = Object.keys(record)
  let integers = 0
  while (integers < keys.length && INDEX.test(keys[integers]) && Number(keys[integers]) < 2 ** 32 - 1) integers++
  return integers === 0 ? keys.sort() : [...keys.slice(0, integers), ...keys.slice(integers).sort()]
}

const INDEX = /^(0|[1-9][0-9]*)$/
