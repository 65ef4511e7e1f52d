import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { fastList, isCount, isNullableNumber, isNumber, isObject } from '../../src/util/fast-list.ts'

/** The loop may only pass what zod passes; what it refuses, zod words. */
const values: unknown[] = [0, -0, 1, -1, 2.5, 2 ** 53, 2 ** 53 - 1, 1e308, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, '1', '', null, undefined, true, {}, [], [1]]

describe('fast checks agree with the zod schema they stand for', () => {
  it.each<[string, (v: unknown) => boolean, z.ZodType]>([
    ['isNumber', isNumber, z.number()],
    ['isNullableNumber', isNullableNumber, z.number().nullable()],
    ['isCount', isCount, z.number().int().min(0)],
    ['isObject', isObject, z.object({})],
  ])('%s', (_, fast, schema) => {
    for (const v of values) expect([v, fast(v)]).toEqual([v, schema.safeParse(v).success])
  })
})

describe('fastList', () => {
  const list = z.object({ series: fastList(z.array(z.number(), 'expected a list'), isNumber) })

  it.each<[string, unknown, string | null]>([
    ['a long good list, passed as it is', { series: Array.from({ length: 1000 }, (_, i) => i / 3) }, null],
    ['a bad element deep in it, named by its path', { series: [...Array.from({ length: 500 }, () => 1), 'x'] }, 'series.500'],
    ['not a list', { series: 3 }, 'series'],
  ])('%s', (_, value, path) => {
    const parsed = list.safeParse(value)
    expect(parsed.success ? null : parsed.error.issues[0].path.join('.')).toBe(path)
    if (parsed.success) expect(parsed.data.series).toBe((value as { series: number[] }).series)
  })
})
