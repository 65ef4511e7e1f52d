import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * Imports run one way: no folder of src imports from a folder that imports it back, and no file
 * imports a file that imports it back (type-only imports count: they tie the files together just
 * the same). Like the test that holds src to one pythonia importer, this reads the sources.
 */
const SRC = resolve(import.meta.dirname, '../../src')

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry)
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : []
  })
}

/** Every relative import or dynamic import of each source file, resolved. */
export function importGraph(root = SRC): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const file of sources(root)) {
    const text = readFileSync(file, 'utf8')
    const targets = [...text.matchAll(/(?:\bfrom|\bimport\()\s*'(\.{1,2}\/[^']+\.ts)'/g)].map((m) => resolve(dirname(file), m[1]))
    graph.set(relative(root, file), targets.filter((t) => t.startsWith(root)).map((t) => relative(root, t)))
  }
  return graph
}

/** The strongly connected parts of a graph with more than one node (Tarjan): each is a cycle. */
export function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const found: string[][] = []
  const visit = (node: string) => {
    index.set(node, next)
    low.set(node, next++)
    stack.push(node)
    onStack.add(node)
    for (const to of graph.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to)
        low.set(node, Math.min(low.get(node)!, low.get(to)!))
      } else if (onStack.has(to)) low.set(node, Math.min(low.get(node)!, index.get(to)!))
    }
    if (low.get(node) !== index.get(node)) return
    const part: string[] = []
    let member: string
    do {
      member = stack.pop()!
      onStack.delete(member)
      part.push(member)
    } while (member !== node)
    if (part.length > 1) found.push(part.sort())
  }
  for (const node of graph.keys()) if (!index.has(node)) visit(node)
  return found
}

const folderOf = (file: string) => (file.includes('/') ? file.split('/')[0] : '.')

function folderGraph(files: ReadonlyMap<string, readonly string[]>): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const [file, targets] of files) {
    const from = folderOf(file)
    for (const to of targets.map(folderOf)) {
      // The CLI entry at the root (src/cli.ts, src/errors.ts) sits outside the folders' layering.
      if (from === to || from === '.' || to === '.') continue
      graph.set(from, [...new Set([...(graph.get(from) ?? []), to])])
    }
  }
  return graph
}

describe('imports run one way', () => {
  it.each([
    { name: 'a two-file cycle', graph: { a: ['b'], b: ['a'] }, expected: [['a', 'b']] },
    { name: 'a longer one', graph: { a: ['b'], b: ['c'], c: ['a'], d: ['a'] }, expected: [['a', 'b', 'c']] },
    { name: 'a layering', graph: { a: ['b', 'c'], b: ['c'], c: [] }, expected: [] },
  ])('cycles() finds $name', ({ graph, expected }) => {
    expect(cycles(new Map(Object.entries(graph)))).toEqual(expected)
  })

  it('no file of src imports a file that imports it back', () => {
    expect(cycles(importGraph())).toEqual([])
  })

  it('no folder of src imports a folder that imports it back', () => {
    const graph = folderGraph(importGraph())
    const found = cycles(graph).map((part) => part.flatMap((from) => (graph.get(from) ?? []).filter((to) => part.includes(to)).map((to) => `${from} -> ${to}`)))
    expect(found).toEqual([])
  })

  it('no command file imports src/python: commands reach Python through the engine only', () => {
    const offenders = [...importGraph()].filter(([file, targets]) => file.startsWith('commands/') && targets.some((t) => t.startsWith('python/')))
    expect(offenders.map(([file]) => file)).toEqual([])
  })
})
