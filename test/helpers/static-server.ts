import { promises as fs } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, sep } from 'node:path'

/**
 * A static file server on 127.0.0.1 for the page tests: serves one folder, nothing above it, and
 * records every path asked for, so a test can tell what the page fetched.
 */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.md': 'text/markdown; charset=utf-8', '.png': 'image/png', '.svg': 'image/svg+xml',
  '.json': 'application/json', '.mp4': 'video/mp4', '.js': 'text/javascript', '.css': 'text/css',
}

export interface StaticServer {
  origin: string
  requests: string[]
  close(): Promise<void>
}

export async function serveFolder(root: string): Promise<StaticServer> {
  const requests: string[] = []
  const server: Server = createServer(async (req, res) => {
    let path: string
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    } catch {
      res.writeHead(400).end()
      return
    }
    requests.push(path)
    const file = normalize(join(root, path))
    if (req.method !== 'GET' || (file !== root && !file.startsWith(root + sep))) {
      res.writeHead(403).end()
      return
    }
    try {
      const body = await fs.readFile(file)
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body)
    } catch {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
