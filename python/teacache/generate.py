"""One generation in three timed phases: encode the prompt, denoise, decode to lossless frames.

The phases are separate calls so the TypeScript side can show them as tasks and a sweep can
encode each prompt once. Tensors stay here; only numbers and paths go back.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import numpy as np
import torch
from PIL import Image

from . import hook


def _synchronize(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def encode_prompt(pipe, facts: dict, prompt: str, negative_prompt: Optional[str], guidance_scale: float):
    started = time.perf_counter()
    with torch.no_grad():
        embeds, negative = pipe.encode_prompt(
            prompt=prompt,
            negative_prompt=negative_prompt,
            do_classifier_free_guidance=guidance_scale > 1.0,
            num_videos_per_prompt=1,
            max_sequence_length=facts["max_text_seq_length"],
            device=pipe._execution_device,
        )
    _synchronize(facts["device"])
    return (embeds, negative), time.perf_counter() - started


def load_image(path: str) -> Image.Image:
    with Image.open(path) as img:
        return img.convert("RGB")


def denoise(pipe, facts: dict, embeddings, *, decide, on_step, image: Optional[str], seed: int,
            steps: int, guidance_scale: float, use_dynamic_cfg: bool, height: int, width: int,
            frames: int, record_outputs: bool = False) -> dict:
    """Run the denoising loop; `decide` None means the unpatched diffusers forward.

    `on_step(index, timestep)`, when given, is called after every step (progress for runs that
    have no per-step decision to report it).
    """
    transformer = pipe.transformer
    if decide is None:
        hook.remove(transformer)
    else:
        hook.apply(transformer).begin(decide, steps, record_outputs)
    kwargs = {}
    if facts["task"] == "i2v":
        kwargs["image"] = load_image(image)
    embeds, negative = embeddings
    stamps: list[float] = []

    def step_end(_pipe, index, timestep, callback_kwargs):
        # Synchronise so a step's time is its GPU time, not the time to enqueue its kernels.
        _synchronize(facts["device"])
        stamps.append(time.perf_counter())
        if on_step is not None:
            on_step(index, float(timestep))
        return {}

    mechanism = {"block_loops": None, "output_changes": None}
    started = time.perf_counter()
    try:
        with torch.no_grad():
            latents = pipe(
                prompt_embeds=embeds,
                negative_prompt_embeds=negative,
                height=height,
                width=width,
                num_frames=frames,
                num_inference_steps=steps,
                guidance_scale=guidance_scale,
                use_dynamic_cfg=use_dynamic_cfg,
                generator=torch.Generator(device="cpu").manual_seed(seed),
                output_type="latent",
                return_dict=False,
                callback_on_step_end=step_end,
                callback_on_step_end_tensor_inputs=[],
                **kwargs,
            )[0]
    finally:
        state = hook.state_of(transformer)
        if state is not None and state.armed:
            mechanism = state.end()
    seconds = time.perf_counter() - started
    step_seconds = [b - a for a, b in zip([started] + stamps[:-1], stamps)]
    # CogVideoX1.5 pads the latent frames up to a multiple of patch_size_t; the pipeline drops
    # the padding only when it decodes itself, so do the same here.
    p_t = facts["patch_size_t"]
    latent_frames = (frames - 1) // facts["vae_scale_factor_temporal"] + 1
    padding = (p_t - latent_frames % p_t) % p_t if p_t else 0
    return {
        "latents": latents[:, padding:],
        "seconds": seconds,
        "step_seconds": step_seconds,
        **mechanism,
    }


def decode(pipe, facts: dict, latents: torch.Tensor, frames_dir: str) -> dict:
    started = time.perf_counter()
    with torch.no_grad():
        video = pipe.decode_latents(latents)
        video = pipe.video_processor.postprocess_video(video=video, output_type="np")[0]
    _synchronize(facts["device"])
    decode_s = time.perf_counter() - started
    started = time.perf_counter()
    out = Path(frames_dir)
    out.mkdir(parents=True, exist_ok=True)
    pixels = (np.clip(video, 0.0, 1.0) * 255).round().astype(np.uint8)
    for i, frame in enumerate(pixels):
        Image.fromarray(frame).save(out / f"frame_{i:05d}.png", optimize=False, compress_level=1)
    return {
        "seconds": decode_s,
        "write_seconds": time.perf_counter() - started,
        "frames": int(pixels.shape[0]),
        "height": int(pixels.shape[1]),
        "width": int(pixels.shape[2]),
    }


def indicator_trace(pipe, facts: dict, steps: int, guidance_scale: float) -> dict:
    """Timesteps and raw indicator distances of a generation with `steps` steps, without denoising.

    For CogVideoX the indicator depends only on the timestep (and the constant ofs of 1.5 I2V), so
    this is the trace a real run measures, at the cost of `steps` small MLP calls. The batch is
    the pipeline's (2 with classifier-free guidance) so the float sums match a run's bit for bit.
    """
    batch = 2 if guidance_scale > 1.0 else 1
    transformer = pipe.transformer
    device = pipe._execution_device
    dtype = transformer.dtype
    pipe.scheduler.set_timesteps(steps, device=device)
    timesteps = pipe.scheduler.timesteps
    ofs = None
    if getattr(transformer, "ofs_embedding", None) is not None:
        ofs = torch.full((1,), 2.0, device=device, dtype=dtype)
    distances: list[Optional[float]] = []
    previous = None
    with torch.no_grad():
        for t in timesteps:
            emb = hook.embed_timestep(transformer, t.expand(batch).to(device), None, ofs, dtype)
            distances.append(None if previous is None else hook.relative_l1(emb, previous))
            previous = emb
    return {"timesteps": [float(t) for t in timesteps], "distances": distances}
