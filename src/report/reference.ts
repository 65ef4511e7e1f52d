/**
 * The published TeaCache latencies for CogVideoX1.5 (TeaCache4CogVideoX1.5, one H100, seconds).
 * They are shown only beside a sweep run at the same setup, in their own column: they were typed
 * by hand elsewhere, on other hardware, and are never mixed with what this machine measured.
 */
export const PUBLISHED_SOURCE = 'TeaCache4CogVideoX1.5 README (TeaCache repository), one NVIDIA H100, bf16'

export const PUBLISHED: Record<'t2v' | 'i2v', { baseline: number; thresholds: Record<string, number> }> = {
  t2v: { baseline: 465, thresholds: { '0.1': 322, '0.2': 260, '0.3': 204 } },
  i2v: { baseline: 475, thresholds: { '0.1': 316, '0.2': 239, '0.3': 204 } },
}

export interface ReferenceSetup {
  version: string
  task: 't2v' | 'i2v'
  num_layers: number
  num_attention_heads: number
  width: number
  height: number
  frames: number
  steps: number
}

export interface ReferenceMatch {
  task: 't2v' | 'i2v'
  source: string
  baseline: number
  thresholds: Record<string, number>
}

/** CogVideoX1.5-5B (42 layers x 48 heads) at 1360x768, 81 frames, 50 steps: the published table's setup. */
export function referenceFor(setup: ReferenceSetup): ReferenceMatch | null {
  const matches =
    setup.version === '1.5' && setup.num_layers === 42 && setup.num_attention_heads === 48 &&
    setup.width === 1360 && setup.height === 768 && setup.frames === 81 && setup.steps === 50
  if (!matches) return null
  return { task: setup.task, source: PUBLISHED_SOURCE, ...PUBLISHED[setup.task] }
}

/** Published seconds for a column (null: the baseline), or null where the table has none. */
export function publishedAt(reference: ReferenceMatch, threshold: number | null): number | null {
  return threshold === null ? reference.baseline : (reference.thresholds[String(threshold)] ?? null)
}
