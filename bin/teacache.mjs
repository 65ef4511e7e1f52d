#!/usr/bin/env node
// Runs the TypeScript sources directly (through tsx): no build step between a clone and a run.
import { accessSync, constants, mkdirSync, statSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'

// tsx caches compiled files in $TMPDIR/tsx-<uid>; a read-only or missing TMPDIR makes it fail
// (or spin) before even --help prints. Without a usable cache folder, compile in memory instead.
if (!process.env.TSX_DISABLE_CACHE && !cacheFolderUsable()) process.env.TSX_DISABLE_CACHE = '1'

const { register } = await import('tsx/esm/api')
register()
// A closed terminal or pipe must not kill a run before it records its outcome in run.json.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {})
const { main } = await import('../src/cli.ts')
const code = await main(process.argv)
// pythonia keeps handles open after its Python is gone; the command is done, so leave now.
// (stdout and stderr are synchronous for files and pipes on POSIX: nothing is lost.)
process.exit(code)

function cacheFolderUsable() {
  try {
    const temp = tmpdir()
    // Not a recursive mkdir: Node's spins forever where mkdir fails with ENOENT under an existing parent (/proc).
    if (!statSync(temp).isDirectory()) return false
    accessSync(temp, constants.W_OK)
    const folder = join(temp, `tsx-${process.geteuid ? process.geteuid() : userInfo().username}`)
    try {
      mkdirSync(folder)
    } catch (error) {
      if (error.code !== 'EEXIST') return false
    }
    accessSync(folder, constants.W_OK)
    return true
  } catch {
    return false
  }
}
