import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { downloadCommand, findHubCli } from '../../src/model/hub-cli.ts'
import { resolveModel } from '../../src/model/resolve.ts'
import { tempDir } from '../helpers/temp.ts'

/**
 * Fake Python environments, laid out as venv, conda, Debian and Windows lay them out: the
 * interpreter is never run (an empty file stands in for it), only its folders are read.
 */
interface Layout {
  /** The interpreter, relative to the environment's root. */
  python: string
  /** Folders (dist-info) and files (scripts) to create, relative to the root. */
  paths: string[]
}

function environment({ python, paths }: Layout): string {
  const root = tempDir('tc-pyenv-')
  for (const path of [python, ...paths]) {
    mkdirSync(join(root, path, '..'), { recursive: true })
    if (path.endsWith('.dist-info')) mkdirSync(join(root, path))
    else writeFileSync(join(root, path), '')
  }
  return join(root, python)
}

const venv = (paths: string[]): Layout => ({ python: 'bin/python', paths: ['lib/python3.11/site-packages/torch', ...paths] })

describe('findHubCli', () => {
  it.each([
    ['venv, huggingface_hub 2.4.0', venv(['lib/python3.11/site-packages/huggingface_hub-2.4.0.dist-info']), { cli: 'hf', version: '2.4.0' }],
    ['venv, huggingface_hub 1.0.0', venv(['lib/python3.11/site-packages/huggingface_hub-1.0.0.dist-info']), { cli: 'hf', version: '1.0.0' }],
    ['venv, huggingface_hub 1.0.0rc2', venv(['lib/python3.11/site-packages/huggingface_hub-1.0.0rc2.dist-info']), { cli: 'hf', version: '1.0.0rc2' }],
    ['venv, huggingface_hub 0.36.0 (hf and huggingface-cli both there)', venv(['lib/python3.11/site-packages/huggingface_hub-0.36.0.dist-info', 'bin/hf', 'bin/huggingface-cli']), { cli: 'huggingface-cli', version: '0.36.0' }],
    ['venv, huggingface_hub 0.26.2', venv(['lib/python3.11/site-packages/huggingface_hub-0.26.2.dist-info']), { cli: 'huggingface-cli', version: '0.26.2' }],
    ['conda, python3.12 beside an older python3.10 folder', { python: 'bin/python3.12', paths: ['lib/python3.10/site-packages/huggingface_hub-0.20.0.dist-info', 'lib/python3.12/site-packages/huggingface_hub-1.2.0.dist-info'] }, { cli: 'hf', version: '1.2.0' }],
    ['Debian system python', { python: 'bin/python3', paths: ['lib/python3/dist-packages/huggingface_hub-0.30.1.dist-info'] }, { cli: 'huggingface-cli', version: '0.30.1' }],
    ['Windows venv', { python: 'Scripts/python.exe', paths: ['Lib/site-packages/huggingface_hub-1.1.0.dist-info'] }, { cli: 'hf', version: '1.1.0' }],
    ['no dist-info, an hf script beside the interpreter', venv(['bin/hf']), { cli: 'hf', version: null }],
    ['no dist-info, only huggingface-cli beside it', venv(['bin/huggingface-cli']), { cli: 'huggingface-cli', version: null }],
    ['no huggingface_hub found', venv(['lib/python3.11/site-packages/huggingface-hub-notes.txt']), { cli: null, version: null }],
  ])('%s', async (_, layout, expected) => {
    expect(await findHubCli(environment(layout))).toEqual(expected)
  })

  it('a venv interpreter linked to a base Python: the venv\'s packages first, then the base\'s', async () => {
    const base = environment({ python: 'bin/python3.11', paths: ['lib/python3.11/site-packages/huggingface_hub-0.25.0.dist-info'] })
    const withHub = environment({ python: 'bin/placeholder', paths: ['lib/python3.11/site-packages/huggingface_hub-1.3.0.dist-info'] })
    const withoutHub = environment({ python: 'bin/placeholder', paths: [] })
    for (const venvPython of [join(withHub, '..', 'python'), join(withoutHub, '..', 'python')]) symlinkSync(base, venvPython)
    expect(await findHubCli(join(withHub, '..', 'python'))).toEqual({ cli: 'hf', version: '1.3.0' })
    expect(await findHubCli(join(withoutHub, '..', 'python'))).toEqual({ cli: 'huggingface-cli', version: '0.25.0' })
  })

  it('an interpreter that does not exist has no CLI', async () => {
    expect(await findHubCli('/nowhere/bin/python')).toEqual({ cli: null, version: null })
  })
})

describe('downloadCommand', () => {
  it.each([
    [{ cli: 'hf', version: '2.4.0' }, 'hf download THUDM/CogVideoX1.5-5B'],
    [{ cli: 'huggingface-cli', version: '0.26.2' }, 'huggingface-cli download THUDM/CogVideoX1.5-5B'],
    [{ cli: null, version: null }, 'hf download THUDM/CogVideoX1.5-5B with huggingface_hub 1.0 or later, huggingface-cli download THUDM/CogVideoX1.5-5B before'],
  ] as const)('%j', (found, command) => {
    expect(downloadCommand('THUDM/CogVideoX1.5-5B', found)).toBe(command)
  })
})

describe('a model missing from the cache', () => {
  it.each([
    ['2.4.0', 'hf download THUDM/CogVideoX1.5-5B'],
    ['0.26.2', 'huggingface-cli download THUDM/CogVideoX1.5-5B'],
  ])('with huggingface_hub %s in TEACACHE_PYTHON\'s environment the message says %s', async (version, command) => {
    const python = environment(venv([`lib/python3.11/site-packages/huggingface_hub-${version}.dist-info`]))
    const env = { HF_HUB_CACHE: tempDir('tc-hub-'), TEACACHE_PYTHON: python }
    await expect(resolveModel('THUDM/CogVideoX1.5-5B', env)).rejects.toThrow(`Fetch it first (${command}) or give model: a local folder`)
  })
})
