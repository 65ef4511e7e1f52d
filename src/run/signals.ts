/**
 * Ctrl-C / SIGTERM while a run is working: remember which signal, stop Python (so the pending
 * bridge call fails at once), and let the command mark the run interrupted and exit 130/143.
 */
export interface Shutdown {
  readonly signal: NodeJS.Signals | undefined
  readonly exitCode: number
  dispose(): void
}

const EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 }

export function onShutdown(stop: () => Promise<void> | undefined): Shutdown {
  let received: NodeJS.Signals | undefined
  const handler = (signal: NodeJS.Signals) => {
    if (received) return
    received = signal
    void stop()
  }
  const signals = Object.keys(EXIT) as NodeJS.Signals[]
  for (const s of signals) process.on(s, handler)
  return {
    get signal() {
      return received
    },
    get exitCode() {
      return received ? (EXIT[received] ?? 1) : 0
    },
    dispose() {
      for (const s of signals) process.off(s, handler)
    },
  }
}
