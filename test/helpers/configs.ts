/**
 * A self-contained tiny-model config (inline identity coefficients): integration tests copy it
 * anywhere without depending on files beside configs/.
 */
export const TINY_CONFIG = `model: tiny
prompt: "A red panda drinks tea."
seed: 42
steps: 20
guidance_scale: 6.0
height: 64
width: 64
frames: 17
fps: 8
device: cpu
dtype: float32
# Test files run side by side: one torch thread each keeps them from oversubscribing the cores.
threads: 1
teacache:
  rel_l1_thresh: 1.0
  coefficients: [0, 0, 0, 1, 0]
`

/** The fewest fields a config needs (no coefficients: tests add or break fields from here). */
export const MINIMAL_CONFIG = `model: tiny
prompt: a cat
steps: 4
height: 64
width: 64
frames: 17
teacache:
  rel_l1_thresh: 0.3
`
