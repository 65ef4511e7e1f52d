"""Build or load a CogVideoX pipeline and describe it (the model facts recorded in run.json)."""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path

import torch

from . import random_model, tiny

REQUIREMENTS = Path(__file__).resolve().parents[2] / "requirements.txt"
DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


class InputError(ValueError):
    """Bad user input discovered on the Python side (reported like a config error, exit code 2)."""


def versions() -> dict:
    """Installed versions and whether they fall inside the ranges requirements.txt states."""
    import diffusers
    import transformers
    from packaging.requirements import Requirement

    installed = {"torch": torch.__version__, "diffusers": diffusers.__version__, "transformers": transformers.__version__}
    problems = []
    for line in REQUIREMENTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        have = installed.get(req.name)
        if have is not None and req.specifier and not req.specifier.contains(have.split("+")[0], prereleases=True):
            problems.append(f"{req.name} {have} is installed but teacache supports {req.name}{req.specifier} (requirements.txt)")
    return {**installed, "python": platform.python_version(), "problems": problems}


def resolve_device(device: str, dtype: str) -> tuple[str, torch.dtype]:
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise InputError(f"device: {device!r} was asked for but torch {torch.__version__} sees no CUDA device")
    if dtype == "auto":
        dtype = "bfloat16" if device.startswith("cuda") else "float32"
    return device, DTYPES[dtype]


def device_name(device: str) -> str:
    if device.startswith("cuda"):
        return torch.cuda.get_device_name(torch.device(device))
    try:  # platform.processor() is empty or just the architecture on Linux
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()} ({os.cpu_count()} cores)"
    except OSError:
        pass
    return platform.processor() or platform.machine() or "cpu"


TRUSTED_LIBRARIES = {"diffusers", "transformers", None}


def custom_components(index: dict) -> list[str]:
    """Components whose class comes from code inside the checkpoint rather than an installed library."""
    return [
        name for name, value in index.items()
        if not name.startswith("_") and isinstance(value, list) and value and value[0] not in TRUSTED_LIBRARIES
    ]


def load(model: str, device: str, dtype: str, vae_slicing: bool, vae_tiling: bool, cpu_offload: str,
         trust_remote_code: bool = False):
    """Return (pipeline, facts). `model` is a tiny variant name or an absolute pipeline folder."""
    device, torch_dtype = resolve_device(device, dtype)
    if model in tiny.VARIANTS:
        pipe = tiny.build(model).to(dtype=torch_dtype)
        source = "built-in"
    elif model in random_model.VARIANTS:
        if not device.startswith("cuda"):
            raise InputError(
                f"model: {model} is the full-size CogVideoX1.5-5B architecture with random weights, built on a CUDA "
                f"GPU (about 21 GB in bf16); device {device!r} has none. On a CPU the weights alone would take tens "
                "of GB and a video hours: use tiny or tiny-i2v there"
            )
        if cpu_offload != "none":
            raise InputError(f"cpu_offload: {model} is built on the GPU in place; expected none, got {cpu_offload!r}")
        pipe = random_model.build(model, device, torch_dtype)
        source = "random weights, built on the GPU"
    else:
        folder = Path(model)
        if not (folder / "model_index.json").is_file():
            raise InputError(f"model: {model} is not a diffusers pipeline folder (no model_index.json)")
        import json

        from diffusers import DiffusionPipeline

        custom = custom_components(json.loads((folder / "model_index.json").read_text()))
        if custom and not trust_remote_code:
            raise InputError(
                f"model: {model} has components defined by code inside the checkpoint ({', '.join(custom)}); "
                "teacache runs it only with trust_remote_code: true in the config"
            )
        pipe = DiffusionPipeline.from_pretrained(
            str(folder), torch_dtype=torch_dtype, local_files_only=True, trust_remote_code=trust_remote_code
        )
        source = str(folder)
    transformer = getattr(pipe, "transformer", None)
    if transformer is None or not hasattr(transformer, "transformer_blocks") or not hasattr(transformer, "time_embedding"):
        raise InputError(
            f"model: {model} loads as {type(pipe).__name__}, which is not a CogVideoX pipeline "
            "(expected a transformer with time_embedding and transformer_blocks)"
        )
    if vae_slicing:
        pipe.vae.enable_slicing()
    if vae_tiling:
        pipe.vae.enable_tiling()
    if cpu_offload == "model":
        pipe.enable_model_cpu_offload(device=device)
    elif cpu_offload == "sequential":
        pipe.enable_sequential_cpu_offload(device=device)
    else:
        pipe.to(device)
    pipe.set_progress_bar_config(disable=True)
    return pipe, facts(pipe, model, source, device, torch_dtype)


def facts(pipe, model: str, source: str, device: str, torch_dtype: torch.dtype) -> dict:
    cfg = pipe.transformer.config
    import diffusers

    return {
        "model": model,
        "source": source,
        "pipeline_class": type(pipe).__name__,
        "transformer_class": type(pipe.transformer).__name__,
        "num_layers": len(pipe.transformer.transformer_blocks),
        "num_attention_heads": cfg.num_attention_heads,
        "attention_head_dim": cfg.attention_head_dim,
        "in_channels": cfg.in_channels,
        "patch_size": cfg.patch_size,
        "patch_size_t": cfg.patch_size_t,
        "ofs_embed_dim": getattr(cfg, "ofs_embed_dim", None),
        "max_text_seq_length": cfg.max_text_seq_length,
        "sample_height": cfg.sample_height,
        "sample_width": cfg.sample_width,
        "sample_frames": cfg.sample_frames,
        "learned_positional_embeddings": bool(getattr(cfg, "use_learned_positional_embeddings", False)),
        "rotary_positional_embeddings": bool(getattr(cfg, "use_rotary_positional_embeddings", False)),
        "version": "1.5" if cfg.patch_size_t is not None else "1.0",
        "task": "i2v" if "ImageToVideo" in type(pipe).__name__ else "t2v",
        "vae_scale_factor_spatial": pipe.vae_scale_factor_spatial,
        "vae_scale_factor_temporal": pipe.vae_scale_factor_temporal,
        "device": device,
        "device_name": device_name(device),
        "dtype": str(torch_dtype).replace("torch.", ""),
        "torch": torch.__version__,
        "diffusers": diffusers.__version__,
        "threads": torch.get_num_threads(),
        "pid": os.getpid(),
    }
