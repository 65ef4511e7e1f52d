"""Benchmark models and the measurements that need no bridge (`python -m teacache.bench ...`).

- `small`: the CogVideoX1.5 architecture with random seeded weights, sized so one denoising
  step (batch 2 with classifier-free guidance) costs 100-300 ms on a 2-core CPU. The TypeScript
  bench saves it to a folder and loads it through the real loading path.
- `gpu`: the full-size CogVideoX1.5-5B transformer and VAE with random weights (nothing is
  downloaded) at the reference size, timed per step and per decode, to predict 50-step latency.

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

from . import hook, tiny

# Sizes found by measuring (bench/results/latest.md reports the per-step time on this machine):
# 14 blocks of 4 heads x 64 over 2 x (16 text + 5 x 8 x 8 video) tokens, ~140 ms a step on 2 cores.
SMALL_TRANSFORMER = dict(num_layers=14, num_attention_heads=4, attention_head_dim=64,
                         sample_height=16, sample_width=16, sample_frames=33)
SMALL_VIDEO = dict(height=128, width=128, frames=33)

# TEACACHE.md section 4 (the CogVideoX1.5-5B transformer config) and the 1.5 VAE.
FULL_TRANSFORMER = dict(
    num_attention_heads=48, attention_head_dim=64, in_channels=16, out_channels=16, time_embed_dim=512,
    text_embed_dim=4096, num_layers=42, sample_width=300, sample_height=300, sample_frames=81, patch_size=2,
    patch_size_t=2, temporal_compression_ratio=4, max_text_seq_length=226, use_rotary_positional_embeddings=True,
    use_learned_positional_embeddings=False, patch_bias=False,
)
FULL_VAE = dict(block_out_channels=(128, 256, 256, 512), latent_channels=16, layers_per_block=3, norm_num_groups=32,
                temporal_compression_ratio=4, sample_height=480, sample_width=720, scaling_factor=0.7,
                invert_scale_latents=True)
FULL_VIDEO = dict(height=768, width=1360, frames=81)
# A scaled-down stand-in that runs the GPU code path on a CPU, to check the code, not to time it.
CHECK_TRANSFORMER = {**FULL_TRANSFORMER, "num_attention_heads": 2, "attention_head_dim": 16, "num_layers": 2,
                     "text_embed_dim": 32, "time_embed_dim": 32, "max_text_seq_length": 16}
CHECK_VAE = {**FULL_VAE, "block_out_channels": (8, 8, 8, 8), "layers_per_block": 1, "norm_num_groups": 2}
CHECK_VIDEO = dict(height=64, width=96, frames=9)


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


def _random_model(cls, spec: dict, device: str, dtype: torch.dtype):
    """Initialise straight on the device in the target dtype: a 5B model never exists in fp32."""
    previous = torch.get_default_dtype()
    torch.manual_seed(0)
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            model = cls(**spec)
    finally:
        torch.set_default_dtype(previous)
    return model.eval().requires_grad_(False)


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


def _step_times(transformer, inputs, device: str, steps: int, schedule=None) -> tuple[list[float], torch.Tensor]:
    """Seconds per forward over `steps` timesteps; `schedule(index)` arms the TeaCache forward."""
    latents, text, rotary, _ = inputs
    timesteps = torch.linspace(999, 20, steps + 1).long().to(device)
    if schedule is not None:
        hook.apply(transformer).begin(lambda index, _t, _d: schedule(index), steps + 1)
    times, output = [], None

    def forward(t):
        nonlocal output
        output = transformer(latents, text, t.expand(2), image_rotary_emb=rotary, return_dict=False)[0]

    try:
        with torch.no_grad():
            forward(timesteps[0])  # warm-up: kernels chosen, caches filled
            times = [_timed(lambda t=t: forward(t), device) for t in timesteps[1:]]
    finally:
        if schedule is not None:
            hook.state_of(transformer).end()
    return times, output


def gpu_bench(steps: int, compile_blocks: bool, check: bool) -> dict:
    from diffusers import AutoencoderKLCogVideoX, CogVideoXTransformer3DModel

    device = "cpu" if check else "cuda"
    dtype = torch.float32 if check else torch.bfloat16
    spec, vae_spec, video = (CHECK_TRANSFORMER, CHECK_VAE, CHECK_VIDEO) if check else (FULL_TRANSFORMER, FULL_VAE, FULL_VIDEO)
    result = {"device": torch.cuda.get_device_name() if not check else "cpu (code check, not a timing)",
              "dtype": str(dtype).replace("torch.", ""), "transformer": spec, "video": video, "steps_timed": steps}
    started = time.perf_counter()
    transformer = _random_model(CogVideoXTransformer3DModel, spec, device, dtype)
    result["build_s"] = time.perf_counter() - started
    result["parameters"] = sum(p.numel() for p in transformer.parameters())
    inputs = _inputs(spec, video, device, dtype)
    result["latent_frames"] = inputs[3]

    unpatched, reference = _step_times(transformer, inputs, device, steps)
    computed, _ = _step_times(transformer, inputs, device, steps, schedule=lambda i: True)
    # Step 0 (the warm-up) computes and caches; every timed step reuses the residuals.
    skipped, _ = _step_times(transformer, inputs, device, steps, schedule=lambda i: i == 0)
    hook.remove(transformer)
    result["step_s"] = {"unpatched": unpatched, "patched_computed": computed, "patched_skipped": skipped}
    if device.startswith("cuda"):
        result["transformer_peak_bytes"] = int(torch.cuda.max_memory_allocated())

    if compile_blocks:
        result["compile"] = _compile_blocks(transformer, inputs, device, steps, reference)
    del transformer
    if device.startswith("cuda"):
        torch.cuda.empty_cache()
    result["decode"] = _decode(vae_spec, inputs[0], video, device, dtype)
    return result


def _compile_blocks(transformer, inputs, device: str, steps: int, reference: torch.Tensor, rounds: int = 2) -> dict:
    """torch.compile each block (the TeaCache forward and its decision stay eager), timed against
    eager in alternating rounds by swapping the block list the forward loops over."""
    eager = transformer.transformer_blocks
    compiled = torch.nn.ModuleList([torch.compile(block) for block in eager])
    plan = lambda i: True  # noqa: E731 - compute every step: the blocks are what is compared
    started = time.perf_counter()
    transformer.transformer_blocks = compiled
    try:
        _step_times(transformer, inputs, device, 1, schedule=plan)
        compile_s = time.perf_counter() - started
        times = {"eager": [], "compiled": []}
        for r in range(rounds):
            for name in (("eager", "compiled") if r % 2 == 0 else ("compiled", "eager")):
                transformer.transformer_blocks = eager if name == "eager" else compiled
                step_s, output = _step_times(transformer, inputs, device, steps, schedule=plan)
                times[name] += step_s
                if name == "compiled":
                    last_compiled = output
    finally:
        transformer.transformer_blocks = eager
    return {
        "compile_and_first_steps_s": compile_s,
        "step_s": times["compiled"],
        "eager_step_s": times["eager"],
        "speedup": statistics.median(times["eager"]) / statistics.median(times["compiled"]),
        "output_relative_l1_vs_eager": hook.relative_l1(last_compiled, reference.float()),
        "output_max_abs_diff_vs_eager": float((last_compiled.float() - reference.float()).abs().max()),
    }


def _decode(vae_spec: dict, latents: torch.Tensor, video: dict, device: str, dtype: torch.dtype) -> dict:
    """The reference VAE decode (slicing and tiling on) of one video's latents."""
    from diffusers import AutoencoderKLCogVideoX

    vae = _random_model(AutoencoderKLCogVideoX, vae_spec, device, dtype)
    vae.enable_slicing()
    vae.enable_tiling()
    real_frames = (video["frames"] - 1) // 4 + 1
    # The pipeline drops the 1.5 padding frame, then decodes [batch, channels, frames, h, w].
    z = latents[:1, -real_frames:].permute(0, 2, 1, 3, 4).contiguous() / vae_spec["scaling_factor"]
    with torch.no_grad():
        frames = []
        seconds = _timed(lambda: frames.append(vae.decode(z).sample), device)
    return {"seconds": seconds, "output_shape": list(frames[0].shape),
            "peak_bytes": int(torch.cuda.max_memory_allocated()) if device.startswith("cuda") else None}


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
    print(f"per step {median:.3f} s, decode {result['decode']['seconds']:.1f} s -> {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
