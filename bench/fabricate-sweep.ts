import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseConfig, type LoadedConfig } from '../src/config/load.ts'
import type { ComputeCounts } from '../src/python/engine.ts'
import { psnrFromMse } from '../src/quality/psnr.ts'
import { meanFlicker, type VideoQuality } from '../src/quality/video.ts'
import type { CollectedRun } from '../src/report/collect.ts'
import { digestOf } from '../src/report/digest.ts'
import { qualityKey, writeCachedQuality } from '../src/report/quality-cache.ts'
import type { RunRecord, StepRecord, WorkerInfo } from '../src/run/record.ts'
import { buildRuns, type Grid, type RunSpec } from '../src/sweep/grid.ts'
import { buildManifest } from '../src/sweep/manifest.ts'
import { runConfig } from '../src/sweep/cell-config.ts'

/**
 * A sweep folder as a long CogVideoX1.5 sweep on 8 GPUs would leave it, made up without running
 * anything: the manifest, a run.json per run (50 steps, 3 timing rounds of one session per group,
 * the worker, the block counts) and quality.json for every TeaCache run, so a report reads its
 * quality from the cache as it does on any regeneration. No frames: measuring 30,000 frame pairs
 * is another figure. About 1 in 400 TeaCache runs failed, as out-of-memory runs do, and about 1 in
 * 500 was timed during a quiet spell of its baseline's rounds: faster than its schedule allows, so suspect.
 */
const STEPS = 50
const FRAMES = 81
const LAYERS = 42
const ROUNDS = 3
const WORKERS = 8
const THRESHOLDS = [0.1, 0.15, 0.2]

const YAML = `
model: tiny
prompt: "unused"
steps: ${STEPS}
height: 768
width: 1360
frames: ${FRAMES}
fps: 16
device: cuda
dtype: bfloat16
teacache:
  rel_l1_thresh: 0.1
  coefficients: [0, 0, 0, 1, 0]
`

/** A deterministic pseudo-random number in [0, 1) per (i, salt): the same folder on every machine. */
const noise = (i: number, salt: number) => {
  const x = Math.sin(i * 12.9898 + salt * 78.233) * 43758.5453
  return x - Math.floor(x)
}

const worker = (group: number): WorkerInfo => ({ host: 'gpu-node1', device: 'cuda', device_index: group % WORKERS, device_name: 'NVIDIA H100 80GB HBM3', pid: 4000 + (group % WORKERS) })

/** Which steps a threshold computes: the first and last always, then fewer as it grows. */
function schedule(threshold: number | null, group: number): boolean[] {
  if (threshold === null) return Array.from({ length: STEPS }, () => true)
  const every = threshold <= 0.1 ? 2 : threshold <= 0.15 ? 3 : 4
  const shift = group % every
  return Array.from({ length: STEPS }, (_, i) => i === 0 || i === STEPS - 1 || i < 5 || (i + shift) % every === 0)
}

function compute(steps: boolean[]): ComputeCounts {
  const per = steps.map((on) => ({ input_rows: 2, block_calls: on ? LAYERS : 0, block_rows: on ? 2 * LAYERS : 0, attention_rows: on ? 2 * LAYERS : 0, feedforward_rows: on ? 2 * LAYERS : 0 }))
  const sum = (key: keyof (typeof per)[number]) => per.reduce((a, s) => a + s[key], 0)
  return { layers: LAYERS, input_rows: sum('input_rows'), block_calls: sum('block_calls'), block_rows: sum('block_rows'), attention_rows: sum('attention_rows'), feedforward_rows: sum('feedforward_rows'), steps: per }
}

const at = (seconds: number) => new Date(Date.UTC(2025, 0, 1) + seconds * 1000).toISOString()

function record(config: LoadedConfig, spec: RunSpec): RunRecord {
  const failed = spec.threshold !== null && spec.index % 397 === 0
  const plan = schedule(spec.threshold, spec.group)
  const computed = plan.filter(Boolean).length
  const perStep = 2 + noise(spec.group, 1) * 0.2
  const skipped = 0.012
  const decode = 9 + noise(spec.group, 2)
  const lucky = spec.threshold !== null && spec.index % 499 === 2 ? 0.6 : 1
  const denoiseOf = (round: number) => lucky * (computed * perStep + (STEPS - computed) * skipped) * (1 + 0.01 * noise(spec.index, round + 3))
  const denoise = [1, 2, 3].map(denoiseOf)
  const start = spec.group * 1200 + (spec.index - spec.group * 4) * 5
  const session = { id: `sess-${spec.group}-${4000 + (spec.group % WORKERS)}`, host: 'gpu-node1', pid: 4000 + (spec.group % WORKERS), started_at: at(spec.group * 1200), rounds: ROUNDS, setting: 'auto' as const, stop: 'interval' as const }
  const steps: StepRecord[] = plan.map((on, index) => ({ index, distance: index === 0 ? null : 0.05, rescaled: index === 0 ? null : 0.05, accumulated: 0, computed: on, timestep: 999 - index * 20, seconds: on ? perStep : skipped }))
  const { configPath, name: _n, ...rest } = config as LoadedConfig & { name?: unknown }
  return {
    format: 'teacache-run/1',
    status: failed ? 'failed' : 'completed',
    error: failed ? { code: 'PYTHON', message: 'RuntimeError: CUDA out of memory' } : null,
    started_at: at(start),
    finished_at: at(start + 4),
    config: { ...(rest as unknown as RunRecord['config']), config_path: configPath },
    model: { model: 'tiny', source: 'built-in', pipeline_class: 'CogVideoXPipeline', transformer_class: 'CogVideoXTransformer3DModel', num_layers: LAYERS, num_attention_heads: 48, version: '1.5', task: 't2v', patch_size_t: 2, ofs_embed_dim: null },
    environment: { python: '3.11.7', torch: '2.13.0+cu124', diffusers: '0.42.1', transformers: '5.24.0', problems: [], node: 'v20', platform: 'linux-x64', device: 'cuda', device_name: 'NVIDIA H100 80GB HBM3', dtype: 'bfloat16', teacache: '0.1.0' },
    teacache: { enabled: spec.threshold !== null, rel_l1_thresh: spec.threshold ?? 0.1, coefficients: spec.threshold === null ? null : [0, 0, 0, 1, 0], coefficients_source: spec.threshold === null ? null : 'config' },
    steps: failed ? steps.slice(0, 10) : steps,
    computed_steps: failed ? steps.slice(0, 10).filter((s) => s.computed).length : computed,
    skipped_steps: failed ? steps.slice(0, 10).filter((s) => !s.computed).length : STEPS - computed,
    block_loops: spec.threshold === null ? null : computed,
    compute: compute(plan),
    timings_s: { load: 30, warmup: spec.group < WORKERS && spec.threshold === null ? 120 : 0, compile: 0, encode_prompt: 0.5, denoise: denoise[0], decode, encode_video: 2, total: 42 + denoise[0] + decode },
    repeats: failed ? [] : denoise.map((d, i) => ({ denoise: d, decode, session: session.id, round: i + 1 })),
    timing: { sessions: [session] },
    worker: worker(spec.group),
    memory: { device_peak_bytes: 6.1e10, host_peak_rss_bytes: 3.2e10 },
    output: { video: 'video.mp4', frames_dir: failed ? null : 'frames', frames: failed ? 0 : FRAMES, height: 768, width: 1360 },
  }
}

/** Per-frame metrics that pass quality.json's checks (src/quality/stored.ts). */
function quality(index: number, threshold: number): VideoQuality {
  const mse = Array.from({ length: FRAMES }, (_, f) => 4 + threshold * 40 * (1 + noise(index, f)))
  const ssim = Array.from({ length: FRAMES }, (_, f) => 0.97 - threshold * 0.2 * noise(index, f + 100))
  const reference = Array.from({ length: FRAMES }, (_, f) => (f === 0 ? null : 3 + noise(index, f + 200)))
  const candidate = reference.map((m, f) => (m === null ? null : m + threshold * noise(index, f + 300)))
  const flicker = reference.map((m, f) => (m === null ? null : Math.abs(candidate[f]! - m)))
  const pooled = mse.reduce((a, b) => a + b, 0) / FRAMES
  return {
    frames: FRAMES, psnr: psnrFromMse(pooled), mse: pooled, ssim: ssim.reduce((a, b) => a + b, 0) / FRAMES, flicker: meanFlicker(flicker),
    perFrame: { mse, psnr: mse.map((m) => psnrFromMse(m)), ssim, motion: { reference, candidate }, flicker },
  }
}

/** Writes the folder, `concurrency` groups at a time: 40,000 writes at once would open 40,000 files. */
export async function fabricateSweep(dir: string, prompts: number, concurrency = 64): Promise<{ runs: number }> {
  const grid: Grid = { prompts: Array.from({ length: prompts }, (_, i) => `a short scene number ${i}: a red fox runs through fresh snow at dawn, cinematic`), seeds: [42], thresholds: THRESHOLDS }
  const config = parseConfig(YAML, join(dir, 'bench.yaml'))
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'sweep.json'), JSON.stringify(buildManifest(config, grid), null, 2))
  const specs = buildRuns(grid)
  const groups = new Map<number, RunSpec[]>()
  for (const spec of specs) groups.set(spec.group, [...(groups.get(spec.group) ?? []), spec])
  // One group at a time per writer: records are made when written, so 40,000 of them never sit in memory together.
  const writeGroup = async (group: RunSpec[]) => {
    let baseline: CollectedRun | null = null
    for (const spec of group) {
      const runRecord = record(runConfig(config, spec, dir), spec)
      const run: CollectedRun = { spec, dir: join(dir, spec.id), folder: { status: runRecord.status, digest: digestOf(runRecord) } }
      await mkdir(run.dir, { recursive: true })
      await writeFile(join(run.dir, 'run.json'), `${JSON.stringify(runRecord, null, 2)}\n`)
      if (spec.threshold === null) baseline = run
      else if (runRecord.status === 'completed' && baseline) await writeCachedQuality(run.dir, qualityKey(baseline, run), quality(spec.index, spec.threshold))
    }
  }
  const pending = [...groups.values()]
  let next = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < pending.length) await writeGroup(pending[next++])
  }))
  return { runs: specs.length }
}
