"""Full-size CogVideoX1.5-5B pipelines with random weights: `random-5b` and `random-5b-i2v`.

They answer "will it fit on my GPU, and how long will it take?" before 20 GB of weights are
downloaded: the transformer (42 blocks x 48 heads), the 1.5 VAE and a T5-XXL-shaped text encoder,
built straight on the GPU in the target dtype (a 5B model never exists in float32 on the CPU).
The frames are noise; the shapes, memory and time per phase are the real model's.

The time MLP is the one part that is not left to the random initialiser. A random MLP moves the
timestep embedding far more from step to step than trained weights do, so every step would be
computed at any published threshold. Its weights are drawn on the CPU from a fixed seed (the same
on every device) and its output layer is scaled so that the mean indicator distance over a
50-step schedule is TIME_TARGET_DISTANCE. With the published T2V coefficients that computes 41,
24 and 17 of 50 steps at thresholds 0.1, 0.2 and 0.3 (the published H100 latencies imply about
34, 27 and 21): close enough for time and memory estimates, not the trained model's schedule.
The decision itself still comes from TypeScript.
"""

from __future__ import annotations

import time
from typing import Optional

import torch

from . import tiny

VARIANTS = {"random-5b": False, "random-5b-i2v": True}

# TEACACHE.md section 4: the CogVideoX1.5-5B transformer.
TRANSFORMER = dict(
    num_attention_heads=48, attention_head_dim=64, in_channels=16, out_channels=16, time_embed_dim=512,
    text_embed_dim=4096, num_layers=42, sample_width=300, sample_height=300, sample_frames=81, patch_size=2,
    patch_size_t=2, temporal_compression_ratio=4, max_text_seq_length=226, use_rotary_positional_embeddings=True,
    use_learned_positional_embeddings=False, patch_bias=False,
)
# The CogVideoX1.5 VAE (diffusers' AutoencoderKLCogVideoX with the 1.5 latent scaling).
VAE = dict(
    in_channels=3, out_channels=3,
    down_block_types=("CogVideoXDownBlock3D",) * 4, up_block_types=("CogVideoXUpBlock3D",) * 4,
    block_out_channels=(128, 256, 256, 512), latent_channels=16, layers_per_block=3, norm_num_groups=32,
    temporal_compression_ratio=4, sample_height=480, sample_width=720, scaling_factor=0.7,
    invert_scale_latents=True,
)
# T5 v1.1 XXL, the encoder CogVideoX uses (4.7B parameters).
T5_XXL = dict(
    vocab_size=32128, d_model=4096, d_kv=64, d_ff=10240, num_layers=24, num_heads=64,
    relative_attention_num_buckets=32, relative_attention_max_distance=128, dropout_rate=0.0,
    layer_norm_epsilon=1e-6, feed_forward_proj="gated-gelu",
)

TIME_SEED = 5
TIME_TARGET_DISTANCE = 0.07
TIME_TARGET_STEPS = 50


def _on_device(build, device: str, dtype: torch.dtype, seed: int):
    """Run a constructor with `device` and `dtype` as the defaults: parameters are born there."""
    previous = torch.get_default_dtype()
    torch.manual_seed(seed)
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            return build()
    finally:
        torch.set_default_dtype(previous)


def _scheduler():
    from diffusers import CogVideoXDPMScheduler

    # CogVideoX1.5's scheduler settings (the tiny 1.5 models use the same ones).
    return CogVideoXDPMScheduler(
        beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", clip_sample=False,
        prediction_type="v_prediction", rescale_betas_zero_snr=True, set_alpha_to_one=True,
        snr_shift_scale=1.0, timestep_spacing="trailing",
    )


def _time_modules(transformer_spec: dict, i2v: bool):
    """The time (and ofs) embedding MLPs in float32 on the CPU, from TIME_SEED."""
    from diffusers.models.embeddings import TimestepEmbedding, Timesteps

    inner = transformer_spec["num_attention_heads"] * transformer_spec["attention_head_dim"]
    dim = transformer_spec["time_embed_dim"]
    state = torch.random.get_rng_state()
    torch.manual_seed(TIME_SEED)
    try:
        proj = Timesteps(inner, True, 0)
        embedding = TimestepEmbedding(inner, dim, "silu")
        ofs = (Timesteps(dim, True, 0), TimestepEmbedding(dim, dim, "silu")) if i2v else None
    finally:
        torch.random.set_rng_state(state)
    return proj, embedding, ofs


def _mean_distance(proj, embedding, ofs, timesteps: torch.Tensor, scale: float) -> float:
    with torch.no_grad():
        emb = embedding.linear_2(embedding.act(embedding.linear_1(proj(timesteps)))) * 1.0
        emb = (emb - embedding.linear_2.bias) * scale + embedding.linear_2.bias
        if ofs is not None:
            emb = emb + ofs[1](ofs[0](torch.full((1,), 2.0)))
        distances = (emb[1:] - emb[:-1]).abs().mean(dim=1) / emb[:-1].abs().mean(dim=1)
    return float(distances.mean())


def time_scale(transformer_spec: dict, i2v: bool, target: float = TIME_TARGET_DISTANCE) -> float:
    """The factor on the time MLP's output weights that gives the target mean distance (bisection)."""
    proj, embedding, ofs = _time_modules(transformer_spec, i2v)
    scheduler = _scheduler()
    scheduler.set_timesteps(TIME_TARGET_STEPS)
    timesteps = scheduler.timesteps.float()
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if _mean_distance(proj, embedding, ofs, timesteps, mid) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _install_time_modules(transformer, transformer_spec: dict, i2v: bool) -> None:
    proj, embedding, ofs = _time_modules(transformer_spec, i2v)
    scale = time_scale(transformer_spec, i2v)
    with torch.no_grad():
        embedding.linear_2.weight.mul_(scale)
        transformer.time_embedding.load_state_dict(embedding.state_dict())
        if ofs is not None:
            transformer.ofs_embedding.load_state_dict(ofs[1].state_dict())


def build(variant: str, device: str, dtype: torch.dtype, sizes: Optional[dict] = None):
    """Build `variant` on `device` in `dtype`. `sizes` shrinks the parts (tests on a CPU only).

    `sizes` is {"transformer": {...}, "vae": {...}, "text_encoder": {...}} overrides; None is
    the real size, which needs a CUDA device (tens of GB on a CPU, and hours per video).
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown random model {variant!r}; expected one of {sorted(VARIANTS)}")
    from diffusers import (
        AutoencoderKLCogVideoX,
        CogVideoXImageToVideoPipeline,
        CogVideoXPipeline,
        CogVideoXTransformer3DModel,
    )
    from transformers import T5Config, T5EncoderModel

    i2v = VARIANTS[variant]
    sizes = sizes or {}
    transformer_spec = {**TRANSFORMER, **({"in_channels": 32, "ofs_embed_dim": 512} if i2v else {}), **sizes.get("transformer", {})}
    vae_spec = {**VAE, **sizes.get("vae", {})}
    t5_spec = {**T5_XXL, **sizes.get("text_encoder", {})}
    started = time.perf_counter()
    transformer = _on_device(lambda: CogVideoXTransformer3DModel(**transformer_spec), device, dtype, 0).eval()
    _install_time_modules(transformer, transformer_spec, i2v)
    vae = _on_device(lambda: AutoencoderKLCogVideoX(**vae_spec), device, dtype, 1).eval()
    text_encoder = _on_device(lambda: T5EncoderModel(T5Config(**t5_spec)), device, dtype, 2).eval()
    for module in (transformer, vae, text_encoder):
        module.requires_grad_(False)
    cls = CogVideoXImageToVideoPipeline if i2v else CogVideoXPipeline
    pipe = cls(tokenizer=tiny.tokenizer(), text_encoder=text_encoder, vae=vae, transformer=transformer, scheduler=_scheduler())
    pipe._teacache_build_seconds = time.perf_counter() - started
    return pipe
