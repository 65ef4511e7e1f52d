import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { TeacacheError } from './errors.ts'
import packageJson from '../package.json' with { type: 'json' }

/**
 * The command line. Commands are imported lazily so `--help` and validation never load the
 * Python bridge; every failure ends at the one boundary in `main`.
 */

const number = (flag: string, check: (n: number) => boolean, expected: string) => (value: string) => {
  const n = Number(value)
  if (value.trim() === '' || !check(n)) throw new InvalidArgumentError(`expected ${expected}, got "${value}"`)
  return n
}
const integer = (flag: string) => number(flag, Number.isSafeInteger, 'an integer')
const threshold = number('--rel-l1-thresh', (n) => Number.isFinite(n) && n >= 0, 'a number >= 0')

export function buildProgram(): Command {
  const program = new Command('teacache')
    .description('TeaCache for CogVideoX1.5: faster video generation, with the evidence')
    .version(packageJson.version)
    .showSuggestionAfterError(true)
    .exitOverride()

  program
    .command('run')
    .description('generate one video from a YAML config, with the TeaCache policy deciding every step')
    .argument('<config>', 'YAML config (see configs/)')
    .option('--rel-l1-thresh <x>', 'TeaCache threshold (0 computes every step)', threshold)
    .option('--model <id|dir>', 'hub id (from the local Hugging Face cache), pipeline folder, or "tiny"')
    .option('--prompt <text>', 'the prompt')
    .option('--image <path>', 'conditioning image (image-to-video models)')
    .option('--seed <n>', 'random seed', integer('--seed'))
    .option('--steps <n>', 'denoising steps', integer('--steps'))
    .option('--output <dir>', 'run folder to create (default: a new folder under the config\'s output)')
    .option('--force', 'replace --output if it already holds files')
    .addOption(new Option('--quiet', 'no progress display').hideHelp())
    .action(async (config: string, options) => {
      const { runCommand } = await import('./commands/run.ts')
      await runCommand(config, {
        rel_l1_thresh: options.relL1Thresh,
        model: options.model,
        prompt: options.prompt,
        image: options.image,
        seed: options.seed,
        steps: options.steps,
        output: options.output,
        force: options.force,
        quiet: options.quiet,
      })
    })

  // New commands are registered above this line, one block each, importing their module lazily.
  return program
}

/** The single error boundary: expected failures print one message; the exit code says which kind. */
export async function main(argv = process.argv): Promise<number> {
  const program = buildProgram()
  try {
    await program.parseAsync(argv)
    return 0
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; a usage error (unknown flag, bad value) is bad input: 2.
      return error.exitCode === 0 ? 0 : 2
    }
    if (error instanceof TeacacheError) {
      process.stderr.write(`teacache: ${error.message}\n`)
      return error.exitCode
    }
    process.stderr.write(`teacache: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    return 1
  }
}
