import { createPolicy } from '../policy/teacache.ts'
import type { Decide, DenoiseArgs, Engine } from '../python/engine.ts'
import { cpus } from 'node:os'
import { cpuStopwatch, foreignLoad, machineBusySeconds } from './cpu-time.ts'

/**
 * Side-by-side denoise measurements in one Python process: every variant runs once per round,
 * in an order that rotates from round to round, so slow drift and neighbours' load fall on all
 * variants alike.
 */

/** threshold null: the unpatched diffusers forward (TeaCache disabled, no callback at all). */
export interface Variant {
  name: string
  threshold: number | null
}

export interface Sample {
  /** Denoise wall seconds, measured in Python around the pipeline call. */
  seconds: number
  stepSeconds: number[]
  /** CPU seconds of Python and Node together; null where /proc is unavailable. */
  cpuSeconds: number | null
  /** Per step: did the blocks run (all true for the unpatched forward). */
  computed: boolean[]
  /** Share of the machine other processes used meanwhile (0..1); null where /proc is unavailable. */
  foreignLoad: number | null
}

/** Round r runs the variants rotated by r: AB BA AB ... for two, ABC BCA CAB ... for three. */
export function rotatedOrder(variants: number, round: number): number[] {
  return Array.from({ length: variants }, (_, i) => (i + round) % variants)
}

export async function denoiseSample(engine: Engine, args: DenoiseArgs, coefficients: readonly number[], variant: Variant): Promise<Sample> {
  let decide: Decide | null = null
  let decisions: () => boolean[] = () => Array.from({ length: args.steps }, () => true)
  if (variant.threshold !== null) {
    const policy = createPolicy({ coefficients, threshold: variant.threshold, numSteps: args.steps })
    decide = (index, _timestep, distance) => policy.decide(index, distance).computed
    decisions = () => policy.decisions.map((d) => d.computed)
  }
  const cpu = cpuStopwatch(engine.pid)
  const busy = machineBusySeconds()
  const started = performance.now()
  const result = await engine.denoise(args, decide, null)
  const wall = (performance.now() - started) / 1000
  const cpuSeconds = cpu()
  const busyNow = machineBusySeconds()
  const foreign = busy === null || busyNow === null || cpuSeconds === null ? null : foreignLoad(busyNow - busy, cpuSeconds, wall, cpus().length)
  const computed = decisions()
  const ran = computed.filter(Boolean).length
  // The speedup is only meaningful if the blocks really ran exactly when the policy said so.
  if (result.block_loops !== null && result.block_loops !== ran) {
    throw new Error(`${variant.name}: the policy computed ${ran} steps but the transformer blocks ran ${result.block_loops} times`)
  }
  return { seconds: result.seconds, stepSeconds: result.step_seconds, cpuSeconds, computed, foreignLoad: foreign }
}

export interface Rounds {
  variants: Variant[]
  /** samples[v][r]: variant v in round r (warm-up rounds not included). */
  samples: Sample[][]
}

export async function alternate(
  engine: Engine,
  args: DenoiseArgs,
  coefficients: readonly number[],
  variants: Variant[],
  options: { rounds: number; warmupRounds: number; onSample?: (done: number, total: number) => void },
): Promise<Rounds> {
  const samples: Sample[][] = variants.map(() => [])
  const total = (options.rounds + options.warmupRounds) * variants.length
  let done = 0
  for (let round = 0; round < options.warmupRounds + options.rounds; round++) {
    const measured = round >= options.warmupRounds
    for (const v of rotatedOrder(variants.length, round)) {
      const sample = await denoiseSample(engine, args, coefficients, variants[v])
      if (measured) samples[v].push(sample)
      options.onSample?.(++done, total)
    }
  }
  return { variants, samples }
}

/** Seconds per Python -> TypeScript policy call: the real policy object answers every call. */
export async function bridgeRoundtrip(engine: Engine, coefficients: readonly number[], calls: number, warmup: number): Promise<number[]> {
  const callback = (count: number): Decide => {
    const policy = createPolicy({ coefficients, threshold: 0.1, numSteps: count })
    return (index, _timestep, distance) => policy.decide(index, index === 0 ? null : distance).computed
  }
  await engine.bridgeRoundtrip(callback(warmup), warmup)
  return engine.bridgeRoundtrip(callback(calls), calls)
}
