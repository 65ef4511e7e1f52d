import { Command, type Argument, type Option } from 'commander'
import { TeacacheError } from '../errors.ts'
import { closest } from '../util/suggest.ts'

/**
 * commander, with every usage error (unknown or malformed flag, unknown command, missing or extra
 * argument) raised as a TeacacheError: the boundary in cli.ts prints it as `teacache: --x: ...`
 * with exit 2, like any other bad input, instead of commander's own `error: ...` text.
 * The hooks overridden here are the ones commander 14 routes each kind of usage error through.
 */
export class TeacacheCommand extends Command {
  override createCommand(name?: string): Command {
    return new TeacacheCommand(name)
  }

  /**
   * An empty value is what an unset shell variable gives (`--output "$OUT"`); taken as given it
   * would fall back to a default (a new dated folder, the model instead of --from-run) without a
   * word. Every flag that takes a value refuses it here, whatever its own parser, so a new flag
   * is covered without asking.
   */
  override addOption(option: Option): this {
    if ((option.required || option.optional) && !EMPTY_MEANS_NONE.has(option.long ?? '')) {
      refuseEmpty(option, `${option.long ?? option.flags}: expected a value (${option.flags}), got an empty value`)
    }
    return super.addOption(option)
  }

  override addArgument(argument: Argument): this {
    refuseEmpty(argument, `<${argument.name()}>: expected a value, got an empty value`)
    return super.addArgument(argument)
  }

  unknownOption(flag: string): never {
    const name = flag.split('=')[0]
    const known = this.flagsOf(this)
    const guess = name.startsWith('--') ? closest(name, known) : undefined
    if (guess) throw usage(name, `unknown option (did you mean ${guess}?)`)
    const elsewhere = (this.parent?.commands ?? []).filter((c) => c !== this && this.flagsOf(c).includes(name)).map((c) => c.name())
    if (elsewhere.length > 0) throw usage(name, `${this.name()} takes no such option (${listed(elsewhere)} ${elsewhere.length === 1 ? 'does' : 'do'}); see teacache ${this.name()} --help`)
    throw usage(name, `unknown option; see ${this.parent ? `teacache ${this.name()}` : 'teacache'} --help`)
  }

  unknownCommand(): never {
    const name = String(this.args[0])
    const commands = this.commands.map((c) => c.name())
    const guess = closest(name, commands)
    throw usage(name, `unknown command${guess ? ` (did you mean ${guess}?)` : ''}; expected one of ${commands.join(', ')}`)
  }

  missingArgument(name: string): never {
    throw usage(`<${name}>`, `missing; usage: teacache ${this.name()} ${this.usage()}`)
  }

  optionMissingArgument(option: Option): never {
    throw usage(option.long ?? option.flags, `expected a value (${option.flags})`)
  }

  _excessArguments(received: string[]): never {
    const expected = this.registeredArguments.map((a) => `<${a.name()}>`)
    const extra = received.slice(expected.length)
    throw usage(extra[0], `unexpected argument; teacache ${this.name()} takes ${expected.length === 0 ? 'no arguments' : expected.join(' ')} and options`)
  }

  /** Anything else commander reports (it words these itself): one line, exit 2. */
  override error(message: string): never {
    throw new TeacacheError('CONFIG', message.replace(/^error: /, '').split('\n')[0])
  }

  private flagsOf(command: Command): string[] {
    const own = command.createHelp().visibleOptions(command).flatMap((o) => (o.long ? [o.long] : []))
    // The program's own --version and --help apply everywhere.
    return command.parent ? [...own, ...this.flagsOf(command.parent)] : own
  }
}

/**
 * Flags whose empty value means something: `--negative-prompt ""` clears the config's negative
 * prompt, as `negative_prompt: ""` does in a config.
 */
export const EMPTY_MEANS_NONE: ReadonlySet<string> = new Set(['--negative-prompt'])

/** Wraps the option's or argument's own parser (if any) with the empty-value check. */
function refuseEmpty(target: Option | Argument, message: string): void {
  const parse = target.parseArg
  target.argParser((value: string, previous: unknown) => {
    if (value.trim() === '') throw new TeacacheError('CONFIG', message)
    return parse ? parse(value, previous) : value
  })
}

function usage(what: string, message: string): TeacacheError {
  return new TeacacheError('CONFIG', `${what}: ${message}`)
}

function listed(names: string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`
}
