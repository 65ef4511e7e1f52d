import { z } from 'zod'

/**
 * A long list checked by a plain loop first, then by zod only when the loop refuses it: zod spends
 * about a microsecond an element, and a 10,000-prompt report reads four million step rows and
 * fourteen million per-frame numbers. `accepts` must pass only elements that `schema`'s element
 * accepts (the tests beside each use hold that), so zod stays the definition, and words any
 * problem with its path; the list is not copied.
 */
export function fastList<T extends z.ZodArray>(schema: T, accepts: (item: unknown) => boolean) {
  return z.custom<z.output<T>>().superRefine((value, ctx) => {
    if (Array.isArray(value) && value.every(accepts)) return
    const result = schema.safeParse(value)
    if (!result.success) for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message, input: value, continue: false })
  })
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
export const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
export const isNullableNumber = (v: unknown) => v === null || isNumber(v)
/** As zod's int(): a safe integer. */
export const isCount = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0
