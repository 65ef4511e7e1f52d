#!/usr/bin/env node
// Runs the TypeScript sources directly (through tsx): no build step between a clone and a run.
import { register } from 'tsx/esm/api'

register()
// A closed terminal or pipe must not kill a run before it records its outcome in run.json.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {})
const { main } = await import('../src/cli.ts')
const code = await main(process.argv)
// pythonia keeps handles open after its Python is gone; the command is done, so leave now.
// (stdout and stderr are synchronous for files and pipes on POSIX: nothing is lost.)
process.exit(code)
