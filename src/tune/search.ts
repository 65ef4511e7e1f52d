/**
 * The search over one family of candidates (TeaCache's distinct schedules), pure. Candidates are
 * ordered from the mildest (most steps computed) to the most aggressive; assuming quality falls as
 * steps fall, the fastest that passes is found by bisection: each probe halves the span between
 * the last candidate known to pass (the baseline, before any) and the first known to fail. With S
 * candidates that is at most ⌈log2 (S + 1)⌉ probes, instead of S for a full sweep.
 */
export interface Probe {
  index: number
  pass: boolean
  /** The worst value of the gate's first metric: used to check that quality falls with steps. */
  score: number
}

/** The next candidate to probe, or null when the search is decided. */
export function nextProbe(count: number, probes: readonly Probe[]): number | null {
  let pass = -1
  let fail = count
  for (const p of probes) {
    if (p.pass) pass = Math.max(pass, p.index)
    else fail = Math.min(fail, p.index)
  }
  if (fail - pass <= 1) return null
  const mid = (pass + fail) >> 1
  return probes.some((p) => p.index === mid) ? null : mid
}

/** The chosen candidate: the most aggressive that passed (null: none did). */
export function chosen(probes: readonly Probe[]): number | null {
  const passed = probes.filter((p) => p.pass).map((p) => p.index)
  return passed.length ? Math.max(...passed) : null
}

/**
 * Where what was run contradicts "quality falls as steps fall": a more aggressive candidate that
 * passed where a milder one failed, or scored better than a milder one. Each pair, milder first.
 */
export function violations(probes: readonly Probe[]): Array<[Probe, Probe]> {
  const sorted = [...probes].sort((a, b) => a.index - b.index)
  const found: Array<[Probe, Probe]> = []
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length; j++) {
      const [milder, harsher] = [sorted[i], sorted[j]]
      if ((harsher.pass && !milder.pass) || harsher.score > milder.score) found.push([milder, harsher])
    }
  }
  return found
}

/** The untried neighbours of the choice to test where the assumption failed (the next harsher first). */
export function neighboursToCheck(count: number, probes: readonly Probe[]): number[] {
  if (violations(probes).length === 0) return []
  const best = chosen(probes) ?? -1
  return [best + 1, best - 1].filter((i) => i >= 0 && i < count && !probes.some((p) => p.index === i))
}

/** The most probes the bisection needs for `count` candidates. */
export const probeBound = (count: number) => Math.ceil(Math.log2(count + 1))

/**
 * One family's whole search: bisect, then where what was run contradicts the assumption, run the
 * choice's untried neighbours. `probe` makes and judges candidate i (the only side effect).
 */
export async function searchFamily(count: number, probe: (index: number) => Promise<Omit<Probe, 'index'>>): Promise<Probe[]> {
  const probes: Probe[] = []
  const run = async (index: number) => void probes.push({ index, ...(await probe(index)) })
  for (let next = nextProbe(count, probes); next !== null; next = nextProbe(count, probes)) await run(next)
  for (const index of neighboursToCheck(count, probes)) await run(index)
  return probes
}
