import { TeacacheError } from '../errors.ts'

/**
 * Published TeaCache coefficients (TeaCache paper and its CogVideoX examples), highest power
 * first. A preset is chosen from the loaded model's architecture, never from a folder name.
 */
export interface Preset {
  name: string
  coefficients: readonly number[]
  matches(facts: ArchitectureFacts): boolean
}

/** The fields of the Python side's model facts that identify a CogVideoX checkpoint family. */
export interface ArchitectureFacts {
  transformer_class: string
  version: '1.5' | '1.0'
  task: 't2v' | 'i2v'
  num_layers: number
  num_attention_heads: number
}

const isCogVideoX = (f: ArchitectureFacts) => f.transformer_class === 'CogVideoXTransformer3DModel'
// 5B models: 42 blocks of 48 heads; 2B: 30 blocks of 30 heads (1.5 exists only as 5B).
const is5b = (f: ArchitectureFacts) => f.num_layers === 42 && f.num_attention_heads === 48
const is2b = (f: ArchitectureFacts) => f.num_layers === 30 && f.num_attention_heads === 30

export const PRESETS: readonly Preset[] = [
  {
    name: 'CogVideoX1.5-5B',
    coefficients: [2.50210439e2, -1.65061612e2, 3.57804877e1, -7.81551492e-1, 3.58559703e-2],
    matches: (f) => isCogVideoX(f) && f.version === '1.5' && f.task === 't2v' && is5b(f),
  },
  {
    name: 'CogVideoX1.5-5B-I2V',
    coefficients: [1.22842302e2, -1.04088754e2, 2.62981677e1, -3.06009921e-1, 3.71213220e-2],
    matches: (f) => isCogVideoX(f) && f.version === '1.5' && f.task === 'i2v' && is5b(f),
  },
  {
    name: 'CogVideoX-5b',
    coefficients: [-1.53880483e3, 8.43202495e2, -1.34363087e2, 7.97131516, -5.23162339e-2],
    matches: (f) => isCogVideoX(f) && f.version === '1.0' && is5b(f),
  },
  {
    name: 'CogVideoX-2b',
    coefficients: [-3.10658903e1, 2.54732368e1, -5.92380459, 1.75769064, -3.61568434e-3],
    matches: (f) => isCogVideoX(f) && f.version === '1.0' && f.task === 't2v' && is2b(f),
  },
]

export function presetFor(facts: ArchitectureFacts): Preset | undefined {
  return PRESETS.find((preset) => preset.matches(facts))
}

export function describeArchitecture(f: ArchitectureFacts): string {
  return `${f.transformer_class}, CogVideoX ${f.version} ${f.task.toUpperCase()}, ${f.num_layers} layers x ${f.num_attention_heads} heads`
}

export interface ChosenCoefficients {
  coefficients: readonly number[]
  /** "config", "file:<path>" or "preset:<name>". */
  source: string
}

/**
 * Explicit coefficients win; else the preset for this architecture; else a clear error.
 * `explicitSource` names where explicit ones came from ("config", or "file:<path>" for a calibrated file).
 */
export function chooseCoefficients(explicit: readonly number[] | undefined, facts: ArchitectureFacts, explicitSource = 'config'): ChosenCoefficients {
  if (explicit) return { coefficients: explicit, source: explicitSource }
  const preset = presetFor(facts)
  if (preset) return { coefficients: preset.coefficients, source: `preset:${preset.name}` }
  throw new TeacacheError(
    'CONFIG',
    `teacache.coefficients: no published coefficients fit this model (${describeArchitecture(facts)}); ` +
      `presets exist for ${PRESETS.map((p) => p.name).join(', ')}. Give teacache.coefficients (5 numbers, highest power first) ` +
      'or fit them with `teacache calibrate`',
  )
}
