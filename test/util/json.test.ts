import { describe, expect, it } from 'vitest'
import { canonicalJson } from '../../src/util/json.ts'

/** The former definition: JSON.stringify with a replacer sorting keys. Fingerprints in sweep.json depend on the text staying the same. */
const reference = (value: unknown) =>
  JSON.stringify(value, (_key, v) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.keys(v).sort().filter((k) => v[k] !== undefined).map((k) => [k, v[k]]))
    }
    return v
  })

describe('canonicalJson', () => {
  it.each<[string, unknown]>([
    ['numbers', [0, -0, 1.5, 1e21, 1e-7, Number.NaN, Number.POSITIVE_INFINITY]],
    ['strings that need escapes', ['a"b', 'line\nbreak', '\u2028', 'é', '\\']],
    ['nested keys in any order', { b: 1, a: { d: [2, 1], c: undefined }, 'z"': null }],
    ['undefined and functions in lists and objects', { list: [undefined, () => 1, 3], f: () => 1, u: undefined }],
    ['a date', { at: new Date(0) }],
    ['an object with its own toJSON', { x: { toJSON: () => ({ b: 2, a: 1 }) } }],
    ['a run config', { model: 'tiny', prompt: 'a cat', seed: 42, teacache: { enabled: true, rel_l1_thresh: 0.1, coefficients: [1, -2.5e-3, 0] }, frames: 9 }],
    ['numeric keys', { 10: 'a', 2: 'b', b: 'c', '01': 'd', 4294967295: 'e', 4294967294: 'f' }],
    ['empties', [{}, [], '']],
    ['top-level scalars', null],
  ])('%s: the text JSON.stringify gives, keys sorted', (_, value) => {
    expect(canonicalJson(value)).toBe(reference(value))
  })
})
