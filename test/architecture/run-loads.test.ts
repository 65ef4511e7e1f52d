import { readFileSync } from 'node:fs'
import { relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { reachable } from '../helpers/reachable.ts'

/**
 * `teacache run` loads only what it uses: one generation needs the config, the engine, the run
 * folder and the TeaCache policy, never the sweep, its methods, reports, tuning or calibration.
 * When this was written run's closure was 37 modules, 3,306 lines (43 and 3,530 before; the
 * method files came in through the config schema's check of sweep.methods).
 */
const SRC = resolve(import.meta.dirname, '../../src')
// package.json (the version) is data, not a module.
const closure = (entry: string, dynamic: boolean) =>
  [...reachable(resolve(SRC, entry), { dynamic })].filter((file) => file.endsWith('.ts')).map((file) => relative(SRC, file)).sort()
const lines = (files: string[]) => files.reduce((sum, file) => sum + readFileSync(resolve(SRC, file), 'utf8').split('\n').length - 1, 0)

const NOT_RUN = ['methods/', 'sweep/', 'report/', 'tune/', 'calibrate/', 'plan/', 'bench/', 'quality/', 'records/', 'stats/', 'commands/']

describe('what a command loads', () => {
  const run = closure('commands/run.ts', true)

  it(`teacache run loads ${run.length} modules (${lines(run)} lines), none of the sweep, methods, reports, tuning or calibration`, () => {
    expect(run).toContain('engine/session.ts')
    expect(run).toContain('policy/teacache.ts')
    const strays = run.filter((file) => file !== 'commands/run.ts' && NOT_RUN.some((folder) => file.startsWith(folder)))
    expect(strays).toEqual([])
  })

  it('the command line loads no command, engine or Python module before a command runs (--help and validation never start Python)', () => {
    const cli = closure('cli.ts', false)
    expect(cli.filter((file) => /^(commands|engine|python|run\/(?!repeats\.ts))\//.test(file))).toEqual([])
    // Every command is imported lazily, so each is reached only through import().
    expect(closure('cli.ts', true)).toEqual(expect.arrayContaining(['commands/run.ts', 'commands/sweep.ts', 'commands/report.ts']))
  })
})
