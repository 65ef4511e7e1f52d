import type { LoadedConfig } from '../config/load.ts'
import type { ModelLocation } from '../model/resolve.ts'
import type { LoadOptions } from '../python/engine.ts'
import { guardSteps, interruptedError } from '../run/interruptible.ts'
import { runWithProgress, type Step } from '../run/progress.ts'
import { onShutdown, type Shutdown } from '../run/signals.ts'
import { warmUp, warmupTitle, type WarmupPaths, type WarmupRecord } from '../run/warmup.ts'
import type { Loaded } from '../run/loaded.ts'
import { loadModel, startPython, type Started } from './start.ts'

/**
 * One Python session's life, the same for every command: start it (within the start-up deadline,
 * and abortable: Ctrl-C or SIGTERM during the start-up ends the start-up too), load the model,
 * warm up, and close it however the command ends. A signal stops what is in flight (closing Python
 * fails its pending bridge call at once) and the command ends with `failure()`'s interrupted
 * error, exit 130/143. Commands list their work as steps after the session's own; none starts or
 * stops Python itself.
 */
export class PythonSession {
  private started: Started | null = null
  private model: Loaded | null = null
  private warmed: WarmupRecord | null = null
  private readonly starting = new AbortController()
  readonly shutdown: Shutdown

  constructor() {
    this.shutdown = onShutdown(() => (this.starting.abort(), this.started?.engine.close()))
  }

  /** Start Python; without a progress list (bench, report --lpips). */
  async start(): Promise<Started> {
    this.started = await startPython({ signal: this.starting.signal })
    return this.started
  }

  /** Load a model from options a command builds itself (bench's small model). */
  async loadWith(options: LoadOptions): Promise<Loaded['facts']> {
    const facts = await this.startedSession().engine.load(options)
    const { seconds, ...rest } = facts
    this.model = { ...this.startedSession(), facts: rest, loadSeconds: seconds }
    return rest
  }

  /**
   * "Start Python" and "Load <model>": what every generating command begins with. `loaded` runs
   * the checks only the loaded model can answer, before anything is written.
   */
  openSteps(config: LoadedConfig, location: ModelLocation, loaded?: (model: Loaded, warn: (message: string) => void) => Promise<void> | void): Step[] {
    return [
      { title: 'Start Python', run: async () => void (await this.start()) },
      {
        title: `Load ${config.model}`,
        run: async (_report, warn) => {
          this.model = await loadModel(this.startedSession(), config, location)
          await loaded?.(this.model, warn)
        },
      },
    ]
  }

  /** One warm-up per kind of block the timed work uses (compiled blocks compile in theirs). */
  warmupSteps(uses: ReadonlyArray<{ config: LoadedConfig; paths?: WarmupPaths }>): Step[] {
    const byCompile = new Map(uses.map((use) => [use.config.compile, use]))
    return [...byCompile.values()].map(({ config, paths }) => ({
      title: warmupTitle(config),
      run: async () => {
        const done = await warmUp(this.loaded.engine, config, paths)
        this.warmed = { seconds: (this.warmed?.seconds ?? 0) + done.seconds, compile: (this.warmed?.compile ?? 0) + done.compile }
      },
    }))
  }

  /** The loaded model (its engine, facts and load time); an error before the load step has run. */
  get loaded(): Loaded {
    if (!this.model) throw new Error('the model is not loaded yet')
    return this.model
  }

  get isLoaded(): boolean {
    return this.model !== null
  }

  /** What the warm-up took (null: none ran); charged like loading to the first run after it. */
  get warmup(): WarmupRecord | null {
    return this.warmed
  }

  /** Steps in one progress list, each refusing to begin once a signal has arrived. */
  async run(steps: Step[], options: { quiet?: boolean } = {}): Promise<void> {
    await runWithProgress(guardSteps(steps, this.shutdown), { quiet: options.quiet, interrupted: () => this.shutdown.signal })
  }

  /** The error the command ends with: the interrupted one once a signal stopped it (`detail`: what became of the output). */
  failure(caught: unknown, detail?: string): unknown {
    return this.shutdown.signal ? interruptedError(this.shutdown, detail) : caught
  }

  /** Stop Python early (what follows needs no model) while signals still end the command. */
  async stop(): Promise<void> {
    await this.started?.engine.close()
    this.started?.closeLog()
  }

  async close(): Promise<void> {
    this.shutdown.dispose()
    await this.stop()
  }

  private startedSession(): Started {
    if (!this.started) throw new Error('Python is not started yet')
    return this.started
  }
}
