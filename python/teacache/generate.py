"""One generation in three timed phases: encode the prompt, denoise, decode to lossless frames.

The phases are separate calls so the TypeScript side can show them as tasks and a sweep can
encode each prompt once. Tensors stay here; only numbers and paths go back.
"""

from __future__ import annotations

import dataclasses
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Optional

import numpy as np
import torch
from PIL import Image

from . import attach, distance, hold, hook

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


def make_generator(pipe, where: str, seed: int) -> torch.Generator:
    """Where the initial noise is drawn: "cpu" (the same video on every machine) or "device"
    (what the TeaCache reference does with torch.Generator("cuda"): another video for the same seed)."""
    device = torch.device("cpu") if where == "cpu" else torch.device(pipe._execution_device)
    return torch.Generator(device=device).manual_seed(seed)


def denoise(pipe, facts: dict, embeddings, *, decide, on_step, image, seed: int,
            steps: int, guidance_scale: float, use_dynamic_cfg: bool, height: int, width: int,
            frames: int, record_outputs: bool = False, generator: str = "cpu",
            attachments: Optional[attach.Attachments] = None) -> dict:
    """Run the denoising loop; `decide` None means the unpatched diffusers forward.

    `on_step(index, timestep)`, when given, is called after every step (progress for runs that
    have no per-step decision to report it). `image` is a path, or a PIL image (the warm-up's).
    `attachments` asks for what else the generation attaches (attach.py: compiled blocks, one of
    diffusers' caches, counters, residual ratios); the TeaCache forward and the indicator follow
    from `decide`, and everything comes off again when the loop ends, also when it fails.
    The unpatched forward reports the indicator distances too (`distances`, measured beside it);
    the TeaCache forward hands them to `decide` instead (`distances` None).
    """
    transformer = pipe.transformer
    plan = dataclasses.replace(
        attachments or attach.Attachments(),
        teacache=hook.TeaCacheConfig(decide, steps, record_outputs) if decide is not None else None,
        indicator=decide is None,
    )
    attached = attach.apply(transformer, plan)
    kwargs = {}
    if facts["task"] == "i2v":
        kwargs["image"] = load_image(image) if isinstance(image, str) else image
    embeds, negative = embeddings
    stamps: list[float] = []
    pause = hold.from_env()
    # Seconds a test's hold (TEACACHE_TEST_HOLD) kept the loop waiting: not part of any timing.
    held = 0.0

    def step_end(_pipe, index, timestep, callback_kwargs):
        nonlocal held
        # Synchronise so a step's time is its GPU time, not the time to enqueue its kernels.
        _synchronize(facts["device"])
        stamps.append(time.perf_counter() - held)
        attached.step_end(index)
        if on_step is not None:
            on_step(index, float(timestep))
        if pause is not None:
            held += pause(index)
        return {}

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
                generator=make_generator(pipe, generator, seed),
                output_type="latent",
                return_dict=False,
                callback_on_step_end=step_end,
                callback_on_step_end_tensor_inputs=[],
                **kwargs,
            )[0]
    finally:
        report = attach.remove(transformer)
    seconds = time.perf_counter() - started - held
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
        **report,
    }


def to_frames(video: torch.Tensor) -> np.ndarray:
    """[1, C, F, H, W] in [-1, 1] -> [F, H, W, C] uint8 on the host, converted on the device.

    The arithmetic is diffusers' `postprocess_video(output_type="np")` (denormalise and clamp in
    the VAE's dtype, then float32) followed by x255 and round-half-even, so the frames are the
    ones the CPU conversion gave; only 1 byte a value crosses to the host instead of 4.
    """
    pixels = (video[0] * 0.5 + 0.5).clamp(0, 1).float().mul_(255).round_().to(torch.uint8)
    return pixels.permute(1, 2, 3, 0).contiguous().cpu().numpy()


def _write_frame(path: Path, frame: np.ndarray) -> None:
    # Under a temporary name first: a full disk or a kill never leaves a truncated frame that
    # looks finished.
    partial = path.with_name(f".{path.name}.partial")
    try:
        Image.fromarray(frame).save(partial, format="PNG", optimize=False, compress_level=1)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def write_frames(pixels: np.ndarray, frames_dir: str, workers: Optional[int] = None) -> None:
    """Lossless PNGs, several at a time (PIL's encoder releases the GIL)."""
    out = Path(frames_dir)
    out.mkdir(parents=True, exist_ok=True)
    workers = workers or max(1, min(16, os.cpu_count() or 1, len(pixels)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_write_frame, out / f"frame_{i:05d}.png", frame) for i, frame in enumerate(pixels)]
        errors = [f.exception() for f in futures]
    first = next((e for e in errors if e is not None), None)
    if first is not None:
        raise first


def decode(pipe, facts: dict, latents: torch.Tensor, frames_dir: Optional[str]) -> dict:
    """VAE decode, conversion to 8-bit frames, and (unless frames_dir is None) the PNGs.

    `seconds` is the VAE plus the conversion: what a caller that wants frames in memory pays,
    and what latency counts. Writing the PNGs is timed apart (an archive, like the MP4).
    """
    started = time.perf_counter()
    with torch.no_grad():
        video = pipe.decode_latents(latents)
    _synchronize(facts["device"])
    vae_s = time.perf_counter() - started
    pixels = to_frames(video)
    del video
    decode_s = time.perf_counter() - started
    started = time.perf_counter()
    if frames_dir is not None:
        write_frames(pixels, frames_dir)
    return {
        "seconds": decode_s,
        "vae_seconds": vae_s,
        "write_seconds": time.perf_counter() - started if frames_dir is not None else 0.0,
        "frames": int(pixels.shape[0]),
        "height": int(pixels.shape[1]),
        "width": int(pixels.shape[2]),
    }


def warmup(pipe, facts: dict, *, steps: int, guidance_scale: float, use_dynamic_cfg: bool, height: int,
           width: int, frames: int, decide=None, on_step=None, compile: str = "none") -> dict:
    """An untimed generation at the timed ones' shapes: kernels chosen, caches and allocator filled,
    compiled blocks compiled. Zero prompt embeddings of the encoder's shape stand in for a prompt
    (the transformer's cost does not depend on their values); nothing is written."""
    text = pipe.text_encoder
    shape = (1, facts["max_text_seq_length"], text.config.d_model)
    zeros = torch.zeros(shape, dtype=text.dtype, device=pipe._execution_device)
    embeddings = (zeros, zeros if guidance_scale > 1.0 else None)
    image = Image.new("RGB", (width, height), (127, 127, 127)) if facts["task"] == "i2v" else None
    started = time.perf_counter()
    result = denoise(
        pipe, facts, embeddings, decide=decide, on_step=on_step, image=image, seed=0, steps=steps,
        guidance_scale=guidance_scale, use_dynamic_cfg=use_dynamic_cfg, height=height, width=width,
        frames=frames, attachments=attach.Attachments(compile=compile),
    )
    decoded = decode(pipe, facts, result["latents"], None)
    return {
        "seconds": time.perf_counter() - started,
        "step_seconds": result["step_seconds"],
        "decode_seconds": decoded["seconds"],
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
    pause = hold.from_env()
    with torch.no_grad():
        for index, t in enumerate(timesteps):
            emb = distance.embed_timestep(transformer, t.expand(batch).to(device), None, ofs, dtype)
            distances.append(None if previous is None else distance.indicator_distance(emb, previous))
            previous = emb
            if pause is not None:
                pause(index)
    return {"timesteps": [float(t) for t in timesteps], "distances": distances}
