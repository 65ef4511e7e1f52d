#!/usr/bin/env node
// Runs the TypeScript sources directly (through tsx): no build step between a clone and a run.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src/cli.ts')
const code = await main(process.argv)
// pythonia keeps handles open after its Python is gone; the command is done, so leave now.
// (stdout and stderr are synchronous for files and pipes on POSIX: nothing is lost.)
process.exit(code)
