import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/load.ts'
import { ROOT } from '../helpers/cli.ts'

/**
 * configs/t2v.yaml and configs/i2v.yaml reproduce the TeaCache reference README's commands
 * (TeaCache4CogVideoX1.5), field by field: the same seed must give the reference's video.
 */
const CANYON =
  'A clear, turquoise river flows through a rocky canyon, cascading over a small waterfall and forming a pool of water at the bottom. ' +
  'The river is the main focus of the scene, with its clear water reflecting the surrounding trees and rocks. The canyon walls are steep and rocky, ' +
  'with some vegetation growing on them. The trees are mostly pine trees, with their green needles contrasting with the brown and gray rocks. ' +
  'The overall tone of the scene is one of peace and tranquility.'
const REFERENCE = {
  seed: 42, steps: 50, height: 768, width: 1360, frames: 81, guidance_scale: 6, use_dynamic_cfg: true, fps: 16,
  dtype: 'auto', generator: 'device', cpu_offload: 'none', vae_slicing: true, vae_tiling: true, compile: 'none',
}

describe('reference configs', () => {
  it.each([
    { file: 't2v.yaml', model: 'THUDM/CogVideoX1.5-5B', prompt: CANYON, threshold: 0.2 },
    { file: 'i2v.yaml', model: 'THUDM/CogVideoX1.5-5B-I2V', prompt: 'A girl gazed at the camera and smiled, her hair drifting in the wind.', threshold: 0.1 },
  ])('$file runs the reference command', async ({ file, model, prompt, threshold }) => {
    const config = await loadConfig(join(ROOT, 'configs', file))
    expect(config).toMatchObject({ ...REFERENCE, model, prompt, teacache: { enabled: true, rel_l1_thresh: threshold } })
    expect(config.negative_prompt).toBeUndefined()
    expect(config.teacache.coefficients).toBeUndefined() // the preset, chosen from the loaded architecture
  })
})
