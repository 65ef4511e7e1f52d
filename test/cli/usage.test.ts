import type { Command } from 'commander'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { buildProgram, main } from '../../src/cli.ts'
import { EMPTY_MEANS_NONE } from '../../src/cli/usage.ts'

/**
 * Usage errors of every command, parsed in this process (they fail before any command starts):
 * one `teacache: <flag or argument>: message` line on stderr and exit 2, never commander's own text.
 */
let stderr = ''
let stdout = ''
beforeEach(() => {
  stderr = ''
  stdout = ''
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true))
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true))
})
afterEach(() => vi.restoreAllMocks())

const cli = (args: string[]) => main(['node', 'teacache', ...args])

describe('usage errors', () => {
  it.each([
    // unknown flags, with a suggestion where one is close
    [['run', 'c.yaml', '--stpes', '4'], '--stpes: unknown option (did you mean --steps?)'],
    [['run', 'c.yaml', '--hieght=64'], '--hieght: unknown option (did you mean --height?)'],
    [['sweep', 'c.yaml', '--seed', '4'], '--seed: unknown option (did you mean --seeds?)'],
    [['sweep', 'c.yaml', '--treshold', '0.1'], '--treshold: unknown option (did you mean --thresholds?)'],
    [['plan', 'c.yaml', '--tresholds', '0.1'], '--tresholds: unknown option (did you mean --thresholds?)'],
    [['calibrate', 'c.yaml', '--promts', 'p.txt'], '--promts: unknown option (did you mean --prompts?)'],
    [['report', 'dir', '--no-video'], '--no-video: unknown option (did you mean --no-videos?)'],
    [['bench', '--repeat', '3'], '--repeat: unknown option (did you mean --repeats?)'],
    [['run', 'c.yaml', '--verbose'], '--verbose: unknown option; see teacache run --help'],
    [['run', 'c.yaml', '-x'], '-x: unknown option; see teacache run --help'],
    // a flag of another command
    [['plan', 'c.yaml', '--height', '64'], '--height: plan takes no such option (run, calibrate, sweep, tune and bench do); see teacache plan --help'],
    [['report', 'dir', '--steps', '4'], '--steps: report takes no such option (run, plan, calibrate, sweep, tune and bench do); see teacache report --help'],
    // malformed values: the config field's own rule, or the command flag's
    [['run', 'c.yaml', '--height', 'tall'], '--height: expected an integer, got "tall"'],
    [['sweep', 'c.yaml', '--width', '0'], '--width: expected a width in pixels of 1 or more, got "0"'],
    [['calibrate', 'c.yaml', '--frames', '-3'], '--frames: expected a frame count of 1 or more, got "-3"'],
    [['plan', 'c.yaml', '--dtype', 'fp8'], '--dtype: expected one of auto, float32, float16, bfloat16, got "fp8"'],
    [['sweep', 'c.yaml', '--repeats', 'many'], '--repeats: expected auto or an integer from 1 to 100, got "many"'],
    [['plan', 'c.yaml', '--target-speedup', '0.5'], '--target-speedup: expected a speedup of 1 or more, got "0.5"'],
    [['bench', '--steps', '2.5'], '--steps: expected an integer, got "2.5"'],
    [['sweep', 'c.yaml', '--restarts=-1'], '--restarts: expected an integer of 0 or more, got "-1"'],
    [['sweep', 'c.yaml', '--restarts', '-1'], '--restarts: expected an integer of 0 or more, got "-1"'],
    [['sweep', 'c.yaml', '--restarts', '1.5'], '--restarts: expected an integer of 0 or more, got "1.5"'],
    // missing values and arguments
    [['run', 'c.yaml', '--steps'], '--steps: expected a value (--steps <n>)'],
    [['run'], '<config>: missing; usage: teacache run [options] <config>'],
    [['report'], '<sweep-dir>: missing; usage: teacache report [options] <sweep-dir>'],
    [['run', 'a.yaml', 'b.yaml'], 'b.yaml: unexpected argument; teacache run takes <config> and options'],
    [['bench', 'extra'], 'extra: unexpected argument; teacache bench takes no arguments and options'],
    // commands
    [['rnu', 'c.yaml'], 'rnu: unknown command (did you mean run?); expected one of run, plan, calibrate, sweep, tune, report, bench'],
    [['--model', 'tiny'], '--model: unknown option; see teacache --help'],
  ])('%j', async (args, message) => {
    expect(await cli(args)).toBe(2)
    expect(stderr).toBe(`teacache: ${message}\n`)
    expect(stdout).toBe('')
  })
})

describe('help and version', () => {
  it.each([[['--help']], [['-h']], [['run', '--help']], [['sweep', '--help']], [['plan', '--help']], [['calibrate', '--help']], [['help', 'run']], [['--version']], [['-V']]])(
    '%j exits 0 on stdout',
    async (args) => {
      expect(await cli(args)).toBe(0)
      expect(stdout).not.toBe('')
      expect(stderr).toBe('')
    },
  )

  it.each([['run'], ['sweep'], ['plan'], ['calibrate']])('%s --help lists its config overrides under their own heading', async (command) => {
    await cli([command, '--help'])
    expect(stdout).toMatch(/\nConfig overrides \(replace the config's value\):\n {2}--model <id\|dir> /)
    expect(stdout).toContain('--steps <n>')
  })
})

/**
 * An empty value is what an unset shell variable gives. Every value-taking option and argument of
 * every command is read from the program itself, so a flag added later is checked without a new row.
 */
describe('empty values', () => {
  const commands = buildProgram().commands
  const valueOptions = commands.flatMap((command) =>
    command.options.filter((o) => o.required || o.optional).map((option) => ({ command, option, flag: option.long ?? option.flags })),
  )
  /** The command's arguments filled in, so only the option under test is wrong. */
  const argsOf = (command: Command) => command.registeredArguments.filter((a) => a.required).map(() => 'c.yaml')

  it('finds the flags of every command', () => {
    expect(commands.map((c) => c.name())).toEqual(['run', 'plan', 'calibrate', 'sweep', 'tune', 'report', 'bench'])
    const flags = (name: string) => valueOptions.filter((v) => v.command.name() === name).map((v) => v.flag)
    expect(flags('run')).toEqual(expect.arrayContaining(['--output', '--model', '--steps', '--coefficients']))
    expect(flags('sweep')).toEqual(expect.arrayContaining(['--output', '--thresholds', '--methods', '--prompts', '--seeds', '--compile', '--devices', '--shard', '--restarts', '--repeats']))
    expect(flags('plan')).toEqual(expect.arrayContaining(['--from-run', '--thresholds', '--target-speedup']))
    expect(flags('tune')).toEqual(expect.arrayContaining(['--gate', '--output', '--prompts', '--seeds', '--devices', '--shard', '--repeats']))
    expect(flags('bench')).toEqual(expect.arrayContaining(['--mode', '--output']))
    expect(valueOptions.length).toBeGreaterThan(60)
  })

  const refused = valueOptions.filter((v) => !EMPTY_MEANS_NONE.has(v.flag))
  const cases = refused.flatMap(({ command, option, flag }) => [
    { name: `${command.name()} ${flag} ''`, argv: [command.name(), ...argsOf(command), flag, ''], flag, flags: option.flags },
    { name: `${command.name()} ${flag}=`, argv: [command.name(), ...argsOf(command), `${flag}=`], flag, flags: option.flags },
    { name: `${command.name()} ${flag} ' '`, argv: [command.name(), ...argsOf(command), flag, ' '], flag, flags: option.flags },
  ])
  it.each(cases)('$name is refused naming the flag', async ({ argv, flag, flags }) => {
    expect(await cli(argv)).toBe(2)
    expect(stderr).toBe(`teacache: ${flag}: expected a value (${flags}), got an empty value\n`)
    expect(stdout).toBe('')
  })

  it.each(commands.flatMap((command) => command.registeredArguments.map((argument, i) => ({ command, argument, i }))))(
    '$command._name <$argument._name> "" is refused naming the argument',
    async ({ command, argument, i }) => {
      const args = argsOf(command)
      args[i] = ''
      expect(await cli([command.name(), ...args])).toBe(2)
      expect(stderr).toBe(`teacache: <${argument.name()}>: expected a value, got an empty value\n`)
    },
  )

  it.each([...EMPTY_MEANS_NONE])('%s "" reaches its command as an empty value (it clears the config\'s)', async (flag) => {
    const owners = valueOptions.filter((v) => v.flag === flag)
    expect(owners.length).toBeGreaterThan(0)
    for (const { command, option } of owners) {
      const program = buildProgram()
      let seen: unknown
      // Stop before the command runs: only what parsing made of the value matters here.
      program.hook('preAction', (_, action) => {
        seen = action.opts()[option.attributeName()]
        throw new Error('parsed')
      })
      await expect(program.parseAsync(['node', 'teacache', command.name(), ...argsOf(command), flag, ''])).rejects.toThrow('parsed')
      expect(seen).toBe('')
    }
  })
})
