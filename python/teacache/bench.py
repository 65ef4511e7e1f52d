"""Benchmark models and the measurements that need no bridge (`python -m teacache.bench ...`).

- `small`: the CogVideoX1.5 architecture with random seeded weights, sized so one denoising
  step (batch 2 with classifier-free guidance) costs 100-300 ms on a 2-core CPU. The TypeScript
  bench saves it to a folder and loads it through the real loading path.
- `gpu`: `random-5b` (python/teacache/random_model.py: the full-size CogVideoX1.5-5B pipeline with
  random weights, nothing downloaded) at the reference size, timed per transformer step, per
  denoising loop with a fixed skip plan, and per decode, to predict 50-step latency.

The skip schedules used here are fixed measurement plans (compute everything, or compute only
step 0); the TeaCache decision itself stays in TypeScript.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import torch

from . import attach, distance, generate, hook, pipeline, random_model, tiny

# Sizes found by measuring (bench/results/latest.md reports the per-step time on this machine):
# 14 blocks of 4 heads x 64 over 2 x (16 text + 5 x 8 x 8 video) tokens, ~140 ms a step on 2 cores.
SMALL_TRANSFORMER = dict(num_layers=14, num_attention_heads=4, attention_head_dim=64,
                         sample_height=16, sample_width=16, sample_frames=33)
SMALL_VIDEO = dict(height=128, width=128, frames=33)

FULL_VIDEO = dict(height=768, width=1360, frames=81)
# A scaled-down stand-in that runs the GPU code path on a CPU, to check the code, not to time it.
CHECK_SIZES = {
    "transformer": dict(num_attention_heads=2, attention_head_dim=16, num_layers=2, text_embed_dim=32,
                        time_embed_dim=32, max_text_seq_length=16),
    "vae": dict(block_out_channels=(8, 8, 8, 8), layers_per_block=1, norm_num_groups=2),
    "text_encoder": dict(d_model=32, d_kv=8, d_ff=37, num_layers=1, num_heads=4, vocab_size=128),
}
CHECK_VIDEO = dict(height=64, width=96, frames=9)
# The GPU skip-fidelity loop: a real denoising loop with a fixed plan (first and last computed,
# as TeaCache always does), against the same loop computing every step.
FIDELITY_STEPS = 4
FIDELITY_COMPUTED = (0, 3)


def build_small():
    return tiny.build("tiny", transformer_sizes=SMALL_TRANSFORMER)


def _synchronize(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _timed(fn, device: str) -> float:
    _synchronize(device)
    started = time.perf_counter()
    fn()
    _synchronize(device)
    return time.perf_counter() - started


def _inputs(spec: dict, video: dict, device: str, dtype: torch.dtype):
    """The transformer inputs of one CFG step at `video` size, as CogVideoXPipeline builds them for 1.5."""
    from diffusers.models.embeddings import get_3d_rotary_pos_embed

    p, p_t = spec["patch_size"], spec["patch_size_t"]
    latent_frames = (video["frames"] - 1) // 4 + 1
    latent_frames += (p_t - latent_frames % p_t) % p_t
    h, w = video["height"] // 8, video["width"] // 8
    gen = torch.Generator(device="cpu").manual_seed(0)
    latents = torch.randn(2, latent_frames, spec["in_channels"], h, w, generator=gen).to(device, dtype)
    text = torch.randn(2, spec["max_text_seq_length"], spec["text_embed_dim"], generator=gen).to(device, dtype)
    rotary = get_3d_rotary_pos_embed(
        embed_dim=spec["attention_head_dim"], crops_coords=None, grid_size=(h // p, w // p),
        temporal_size=latent_frames // p_t, grid_type="slice",
        max_size=(spec["sample_height"] // p, spec["sample_width"] // p), device=device,
    )
    return latents, text, rotary, latent_frames


def _step_times(transformer, inputs, device: str, steps: int, schedule=None, compile: str = "none") -> tuple[list[float], torch.Tensor]:
    """Seconds per forward over `steps` timesteps; `schedule(index)` arms the TeaCache forward.
    Attached through attach.py's one entry, as a generation is: the blocks `compile` names, the
    TeaCache forward when there is a schedule, all taken off again at the end."""
    latents, text, rotary, _ = inputs
    timesteps = torch.linspace(999, 20, steps + 1).long().to(device)
    teacache = None if schedule is None else hook.TeaCacheConfig(lambda index, _t, _d: schedule(index), steps + 1)
    attach.apply(transformer, attach.Attachments(compile=compile, teacache=teacache))
    times, output = [], None

    def forward(t):
        nonlocal output
        output = transformer(latents, text, t.expand(2), image_rotary_emb=rotary, return_dict=False)[0]

    try:
        with torch.no_grad():
            forward(timesteps[0])  # warm-up: kernels chosen, caches filled
            times = [_timed(lambda t=t: forward(t), device) for t in timesteps[1:]]
    finally:
        attach.remove(transformer)
    return times, output


def gpu_bench(steps: int, compile_blocks: bool, check: bool) -> dict:
    device = "cpu" if check else "cuda"
    dtype = torch.float32 if check else torch.bfloat16
    video = CHECK_VIDEO if check else FULL_VIDEO
    result = {"device": torch.cuda.get_device_name() if not check else "cpu (code check, not a timing)",
              "model": "random-5b", "dtype": str(dtype).replace("torch.", ""), "video": video, "steps_timed": steps}
    started = time.perf_counter()
    pipe = random_model.build("random-5b", device, dtype, sizes=CHECK_SIZES if check else None)
    pipe.set_progress_bar_config(disable=True)
    # The reference decodes with slicing and tiling; without them the 81-frame decode needs more than 80 GB.
    pipe.vae.enable_slicing()
    pipe.vae.enable_tiling()
    _synchronize(device)
    result["build_s"] = time.perf_counter() - started
    transformer = pipe.transformer
    spec = dict(transformer.config)
    result["transformer"] = {k: v for k, v in spec.items() if not k.startswith("_")}
    result["parameters"] = sum(p.numel() for p in transformer.parameters())
    inputs = _inputs(spec, video, device, dtype)
    result["latent_frames"] = inputs[3]

    unpatched, reference = _step_times(transformer, inputs, device, steps)
    computed, _ = _step_times(transformer, inputs, device, steps, schedule=lambda i: True)
    # Step 0 (the warm-up) computes and caches; every timed step reuses the residuals.
    skipped, _ = _step_times(transformer, inputs, device, steps, schedule=lambda i: i == 0)
    result["step_s"] = {"unpatched": unpatched, "patched_computed": computed, "patched_skipped": skipped}
    if device.startswith("cuda"):
        result["transformer_peak_bytes"] = int(torch.cuda.max_memory_allocated())
    if compile_blocks:
        result["compile"] = _compile_blocks(transformer, inputs, device, steps, reference)
    del inputs, reference
    facts = pipeline.facts(pipe, "random-5b", "random", device, dtype)
    result["skip_fidelity"], latents = _skip_fidelity(pipe, facts, video)
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    decoded = generate.decode(pipe, facts, latents, None)
    result["decode"] = {
        "seconds": decoded["seconds"], "vae_seconds": decoded["vae_seconds"],
        "output_shape": [decoded["frames"], decoded["height"], decoded["width"], 3],
        "peak_bytes": int(torch.cuda.max_memory_allocated()) if device.startswith("cuda") else None,
    }
    return result


def _skip_fidelity(pipe, facts: dict, video: dict):
    """A real denoising loop (the pipeline, the TeaCache forward, the scheduler, CFG) with a fixed
    plan computing FIDELITY_COMPUTED of FIDELITY_STEPS steps, against the loop computing every
    step: how much of the ideal FIDELITY_STEPS / computed a schedule delivers at full size."""
    text = pipe.text_encoder
    zeros = torch.zeros((1, facts["max_text_seq_length"], text.config.d_model), dtype=text.dtype, device=pipe._execution_device)

    def loop(decide, steps=FIDELITY_STEPS):
        return generate.denoise(pipe, facts, (zeros, zeros), decide=decide, on_step=None, image=None, seed=0,
                                steps=steps, guidance_scale=6.0, use_dynamic_cfg=True, **video)

    loop(lambda i, t, d: True, steps=2)  # warm-up at these shapes
    every = loop(lambda i, t, d: True)
    planned = loop(lambda i, t, d: i in FIDELITY_COMPUTED)
    ideal = FIDELITY_STEPS / len(FIDELITY_COMPUTED)
    speedup = every["seconds"] / planned["seconds"]
    return {
        "steps": FIDELITY_STEPS, "computed": len(FIDELITY_COMPUTED), "every_step_s": every["seconds"],
        "planned_s": planned["seconds"], "block_loops": planned["block_loops"], "speedup": speedup,
        "ideal": ideal, "fidelity": speedup / ideal,
    }, planned["latents"]


def _compile_blocks(transformer, inputs, device: str, steps: int, reference: torch.Tensor, rounds: int = 1) -> dict:
    """Compiled blocks (compile: blocks, python/teacache/compiled.py) timed against eager ones,
    alternating the order each round; the TeaCache forward and its decision stay eager."""
    plan = lambda i: True  # noqa: E731 - compute every step: the blocks are what is compared
    # Each timing installs the blocks it names, as each generation does, so none needs undoing here.
    started = time.perf_counter()
    _step_times(transformer, inputs, device, 1, schedule=plan, compile="blocks")
    compile_s = time.perf_counter() - started
    times = {"none": [], "blocks": []}
    for r in range(rounds):
        for mode in (("none", "blocks") if r % 2 == 0 else ("blocks", "none")):
            step_s, output = _step_times(transformer, inputs, device, steps, schedule=plan, compile=mode)
            times[mode] += step_s
            if mode == "blocks":
                last_compiled = output
    return {
        "compile_and_first_steps_s": compile_s,
        "step_s": times["blocks"],
        "eager_step_s": times["none"],
        "speedup": statistics.median(times["none"]) / statistics.median(times["blocks"]),
        "output_relative_l1_vs_eager": distance.relative_l1(last_compiled, reference.float()),
        "output_max_abs_diff_vs_eager": float((last_compiled.float() - reference.float()).abs().max()),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m teacache.bench")
    sub = parser.add_subparsers(dest="command", required=True)
    save = sub.add_parser("save-small", help="save the small benchmark pipeline to a folder")
    save.add_argument("folder")
    gpu = sub.add_parser("gpu", help="full-size CogVideoX1.5-5B timings with random weights (needs CUDA)")
    gpu.add_argument("--json", required=True, help="where to write the measurements")
    gpu.add_argument("--steps", type=int, default=3)
    gpu.add_argument("--compile", action="store_true", help="also time torch.compile on the transformer blocks")
    gpu.add_argument("--check", action="store_true", help="run the code path at toy size on the CPU (no timings)")
    args = parser.parse_args(argv)

    if args.command == "save-small":
        build_small().save_pretrained(args.folder)
        return 0
    if not args.check and not torch.cuda.is_available():
        print(f"teacache bench --mode gpu needs a CUDA device; torch {torch.__version__} sees none", file=sys.stderr)
        return 3
    result = gpu_bench(args.steps, args.compile, args.check)
    result["torch"] = torch.__version__
    with open(args.json, "w") as f:
        json.dump(result, f, indent=2)
    median = statistics.median(result["step_s"]["unpatched"])
    print(f"per step {median:.3f} s, decode {result['decode']['seconds']:.1f} s, "
          f"skip fidelity {result['skip_fidelity']['fidelity']:.3f} -> {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
