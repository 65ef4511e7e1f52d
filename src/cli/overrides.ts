import { resolve } from 'node:path'
import { Option, type Command } from 'commander'
import { z } from 'zod'
import type { Overrides } from '../config/load.ts'
import { OVERRIDABLE, configSchema, teacacheSchema, type OverridableField, type OverrideCommand } from '../config/schema.ts'
import { TeacacheError } from '../errors.ts'

/**
 * The config overrides of `run`, `sweep`, `plan` and `calibrate`, built from the table in
 * src/config/schema.ts: each flag's value is checked with its field's own schema, so a flag and
 * the config field it replaces accept the same values and say the same thing about bad ones.
 */

export const OVERRIDES_HEADING = 'Config overrides (replace the config\'s value):'

export type OverrideKey = keyof Overrides

/** rel_l1_thresh is --rel-l1-thresh; teacache.coefficients is --coefficients. */
export function flagOf(row: OverridableField): string {
  return `--${keyOf(row).replace(/_/g, '-')}`
}

/** The key of Overrides (and of commander's parsed options, camel-cased) that a row fills. */
export function keyOf(row: OverridableField): OverrideKey {
  return row.field.replace(/^teacache\./, '') as OverrideKey
}

export function overridesFor(command: OverrideCommand): OverridableField[] {
  return OVERRIDABLE.filter((row) => row.commands.includes(command))
}

/** The field's schema without its default or optional wrapper; a path or a list is taken as the path. */
function fieldSchema(row: OverridableField): z.ZodType {
  const [, leaf] = row.field.split('.')
  let schema = (leaf === undefined ? configSchema.shape[row.field as keyof typeof configSchema.shape] : teacacheSchema.shape[leaf as keyof typeof teacacheSchema.shape]) as z.ZodType
  while (schema instanceof z.ZodDefault || schema instanceof z.ZodOptional) schema = schema.unwrap() as z.ZodType
  if (schema instanceof z.ZodUnion) schema = (schema.options as z.ZodType[]).find((option) => option instanceof z.ZodString) ?? schema
  return schema
}

/** The values an enum field takes, or null for any other kind. */
export function choicesOf(row: OverridableField): string[] | null {
  const schema = fieldSchema(row)
  return schema instanceof z.ZodEnum ? (schema.options as string[]) : null
}

/** A flag's text as the field's value, or a `--flag: expected ...` error (exit 2). */
export function parseOverride(row: OverridableField, text: string): string | number {
  const schema = fieldSchema(row)
  const bad = (message: string) => new TeacacheError('CONFIG', `${flagOf(row)}: ${message}, got "${text}"`)
  const choices = choicesOf(row)
  if (choices && !choices.includes(text)) throw bad(`expected one of ${choices.join(', ')}`)
  let value: string | number = text
  if (schema instanceof z.ZodNumber) {
    value = text.trim() === '' ? Number.NaN : Number(text)
    if (!Number.isFinite(value)) throw bad(schema.isInt ? 'expected an integer' : 'expected a number')
  }
  const parsed = schema.safeParse(value)
  if (!parsed.success) throw bad(parsed.error.issues[0]?.message ?? 'invalid value')
  return parsed.data as string | number
}

/** Adds the overrides `command` takes to a commander command, under their own help heading. */
export function addOverrides(cmd: Command, command: OverrideCommand): Command {
  for (const row of overridesFor(command)) {
    const choices = choicesOf(row)
    const option = new Option(`${flagOf(row)} <${choices ? choices.join('|') : row.value ?? 'value'}>`, row.help)
      .argParser((text: string) => parseOverride(row, text))
      .helpGroup(OVERRIDES_HEADING)
    cmd.addOption(option)
  }
  return cmd
}

/**
 * commander's parsed options (camel-cased attribute names) split into the config overrides and
 * the command's own flags.
 */
export function splitOverrides<T extends Record<string, unknown>>(options: T, command: OverrideCommand): { overrides: Overrides; rest: Partial<T> } {
  const overrides: Record<string, unknown> = {}
  const rest: Record<string, unknown> = { ...options }
  for (const row of overridesFor(command)) {
    const attribute = new Option(flagOf(row)).attributeName()
    if (options[attribute] !== undefined) overrides[keyOf(row)] = options[attribute]
    delete rest[attribute]
  }
  return { overrides: overrides as Overrides, rest: rest as Partial<T> }
}

/**
 * Overrides back into flags, for the processes a command starts itself (sweep workers, restarts).
 * Paths are made absolute: those processes may not share this one's working directory.
 */
export function overrideArgs(overrides: Overrides): string[] {
  const args: string[] = []
  for (const row of OVERRIDABLE) {
    const value = overrides[keyOf(row)]
    if (value === undefined) continue
    const path = row.field === 'image' || row.field === 'teacache.coefficients' || (row.field === 'model' && /^\.{1,2}(\/|$)/.test(String(value)))
    args.push(flagOf(row), path ? resolve(String(value)) : String(value))
  }
  return args
}
