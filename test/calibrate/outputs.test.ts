import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkCalibrateOutputs } from '../../src/calibrate/outputs.ts'
import { ROOT } from '../helpers/cli.ts'
import { tempDir } from '../helpers/temp.ts'

const root = tempDir('tc-cal-out-')
let n = 0
function files(setup: (dir: string) => void) {
  const dir = join(root, String(n++))
  mkdirSync(dir)
  setup(dir)
  return { coefficients: join(dir, 'fit.yaml'), plot: join(dir, 'fit.svg'), config: join(dir, 'c.yaml') }
}
const ours = (dir: string) => {
  copyFileSync(join(ROOT, 'configs', 'coefficients', 'tiny.yaml'), join(dir, 'fit.yaml'))
  copyFileSync(join(ROOT, 'configs', 'coefficients', 'tiny.svg'), join(dir, 'fit.svg'))
}

describe('what calibrate may write over', () => {
  it('anything new', async () => {
    const f = files(() => {})
    await expect(checkCalibrateOutputs(f, { config: f.config })).resolves.toBeUndefined()
  })

  it('an existing file only with --force, and then only one calibrate wrote', async () => {
    const f = files(ours)
    await expect(checkCalibrateOutputs(f, { config: f.config })).rejects.toThrow(/fit\.yaml already exists; choose another file or pass --force/)
    await expect(checkCalibrateOutputs(f, { config: f.config, force: true })).resolves.toBeUndefined()
  })

  it.each([
    { what: 'a YAML of someone else', setup: (d: string) => writeFileSync(join(d, 'fit.yaml'), 'shopping: [tea]\n'), why: /fit\.yaml is not one: it has no "format: teacache-coefficients\/1" line/ },
    { what: 'a file that is not YAML', setup: (d: string) => writeFileSync(join(d, 'fit.yaml'), '{{{{'), why: /it (is not YAML written by teacache calibrate|has no "format)/ },
    { what: 'an SVG drawn by someone else', setup: (d: string) => (ours(d), writeFileSync(join(d, 'fit.svg'), '<svg xmlns="http://www.w3.org/2000/svg"><circle r="1"/></svg>')), why: /fit\.svg is not one: it is not a plot calibrate drew/ },
    { what: 'a folder under the name', setup: (d: string) => mkdirSync(join(d, 'fit.yaml')), why: /it is not a plain file/ },
  ])('--force refuses $what', async ({ setup, why }) => {
    const f = files(setup)
    await expect(checkCalibrateOutputs(f, { config: f.config, force: true })).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(why) })
  })

  it('--force never writes over the config, whatever it holds', async () => {
    const f = files(ours)
    await expect(checkCalibrateOutputs(f, { config: f.coefficients, force: true })).rejects.toThrow(/fit\.yaml is not one: it is the config/)
  })
})
