/**
 * The TeaCache skip policy: pure, synchronous, and the only place the decision is made.
 *
 * Per step i the Python mechanism reports the raw indicator distance d_i (relative L1 change of
 * the timestep embedding; null at step 0). The distance is rescaled by a degree-4 polynomial
 * and accumulated; a step reuses the cached residuals while the accumulated estimate of output
 * drift stays under the threshold. The first and last steps are always computed.
 */

export interface PolicyOptions {
  /** Polynomial coefficients, highest power first (5 numbers). */
  coefficients: readonly number[]
  threshold: number
  numSteps: number
}

export interface StepDecision {
  index: number
  distance: number | null
  rescaled: number | null
  /** The accumulator after this step's decision (0 after a computed step). */
  accumulated: number
  computed: boolean
}

export function rescale(coefficients: readonly number[], distance: number): number {
  return coefficients.reduce((acc, c) => acc * distance + c, 0)
}

export interface Policy {
  decide(index: number, distance: number | null): StepDecision
  readonly decisions: readonly StepDecision[]
}

export function createPolicy({ coefficients, threshold, numSteps }: PolicyOptions): Policy {
  if (coefficients.length !== 5 || !coefficients.every(Number.isFinite)) {
    throw new RangeError(`coefficients: expected 5 finite numbers, got [${coefficients.join(', ')}]`)
  }
  if (!(threshold >= 0)) throw new RangeError(`threshold: expected a number >= 0, got ${threshold}`)
  if (!Number.isInteger(numSteps) || numSteps < 1) throw new RangeError(`numSteps: expected a positive integer, got ${numSteps}`)
  const decisions: StepDecision[] = []
  let accumulated = 0

  return {
    decisions,
    decide(index, distance) {
      // The mechanism counts steps on its own; any disagreement means the two sides desynchronised.
      if (index !== decisions.length) throw new Error(`step ${index} reported, but step ${decisions.length} was expected next`)
      if (index >= numSteps) throw new Error(`step ${index} reported, but the generation has only ${numSteps} steps`)
      if ((index === 0) !== (distance === null)) throw new Error(`step ${index}: a distance is expected for every step but the first`)
      if (distance !== null && !Number.isFinite(distance)) throw new Error(`step ${index}: the indicator distance is ${distance}`)

      const rescaled = distance === null ? null : rescale(coefficients, distance)
      const forced = index === 0 || index === numSteps - 1
      let computed: boolean
      if (forced || threshold === 0) {
        computed = true
      } else {
        accumulated += rescaled as number
        computed = accumulated >= threshold
      }
      if (computed) accumulated = 0
      const decision = { index, distance, rescaled, accumulated, computed }
      decisions.push(decision)
      return decision
    },
  }
}

/** Replay the policy over a recorded trace of distances (step 0 first, null there). */
export function schedule(options: Omit<PolicyOptions, 'numSteps'>, distances: readonly (number | null)[]): StepDecision[] {
  const policy = createPolicy({ ...options, numSteps: distances.length })
  for (const [index, distance] of distances.entries()) policy.decide(index, distance)
  return [...policy.decisions]
}
