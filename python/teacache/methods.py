"""diffusers' own training-free caches on a CogVideoX transformer, configured with plain numbers.

TypeScript validates every parameter (src/methods/) and sends names and numbers; this module
turns them into diffusers' config objects and installs them with `transformer.enable_cache` for
one generation. `apply` takes the TeaCache forward off first and `remove` takes the hooks off
after, so TeaCache and another method are never active on one transformer together, and each
generation starts from fresh hook state.
"""

from __future__ import annotations

from typing import Callable, Optional

import torch

from . import hook, pipeline

METHODS = ("fbc", "pab", "fastercache", "magcache", "taylorseer")

# TaylorSeer full-matches its patterns against module names; its defaults ("^transformer_blocks.*attn")
# end at "attn" and so match none of CogVideoX's "transformer_blocks.<i>.attn1". These name
# CogVideoX's joint attention and feed-forward layers, the parts TaylorSeer predicts.
TAYLORSEER_LAYERS = [r"transformer_blocks\.\d+\.attn1", r"transformer_blocks\.\d+\.ff"]

DTYPES = {"bfloat16": torch.bfloat16, "float16": torch.float16, "float32": torch.float32}


class MethodError(pipeline.InputError):
    """A method that cannot work on this transformer (said before any run is made)."""


def _range(value) -> tuple[float, float]:
    lo, hi = value
    return (float(lo), float(hi))


def build_config(name: str, params: dict, *, steps: int, current_timestep: Callable[[], object]):
    """diffusers' config object for `name` with TypeScript's validated `params`."""
    import diffusers

    if name == "fbc":
        return diffusers.FirstBlockCacheConfig(threshold=float(params["threshold"]))
    if name == "pab":
        return diffusers.PyramidAttentionBroadcastConfig(
            spatial_attention_block_skip_range=int(params["spatial_attention_block_skip_range"]),
            spatial_attention_timestep_skip_range=_range(params["spatial_attention_timestep_skip_range"]),
            current_timestep_callback=current_timestep,
        )
    if name == "fastercache":
        weight = float(params["attention_weight"])
        return diffusers.FasterCacheConfig(
            spatial_attention_block_skip_range=int(params["spatial_attention_block_skip_range"]),
            spatial_attention_timestep_skip_range=_range(params["spatial_attention_timestep_skip_range"]),
            unconditional_batch_skip_range=int(params["unconditional_batch_skip_range"]),
            unconditional_batch_timestep_skip_range=_range(params["unconditional_batch_timestep_skip_range"]),
            low_frequency_weight_update_timestep_range=_range(params["low_frequency_weight_update_timestep_range"]),
            high_frequency_weight_update_timestep_range=_range(params["high_frequency_weight_update_timestep_range"]),
            alpha_low_frequency=float(params["alpha_low_frequency"]),
            alpha_high_frequency=float(params["alpha_high_frequency"]),
            attention_weight_callback=lambda _module: weight,
            current_timestep_callback=current_timestep,
            # CogVideoX's transformer returns [batch, frames, channels, height, width].
            tensor_format="BFCHW",
        )
    if name == "magcache":
        return diffusers.MagCacheConfig(
            threshold=float(params["threshold"]),
            max_skip_steps=int(params["max_skip_steps"]),
            retention_ratio=float(params["retention_ratio"]),
            num_inference_steps=steps,
            mag_ratios=[float(r) for r in params["ratios"]],
        )
    if name == "taylorseer":
        after = params.get("disable_cache_after_step")
        return diffusers.TaylorSeerCacheConfig(
            cache_interval=int(params["cache_interval"]),
            disable_cache_before_step=int(params["disable_cache_before_step"]),
            disable_cache_after_step=None if after is None else int(after),
            max_order=int(params["max_order"]),
            taylor_factors_dtype=DTYPES[params["taylor_factors_dtype"]],
            cache_identifiers=list(TAYLORSEER_LAYERS),
        )
    raise MethodError(f"method: {name!r} is not one of {', '.join(METHODS)}")


def hooked_layers(transformer: torch.nn.Module) -> int:
    """Submodules that carry a diffusers hook: 0 after enable_cache means it matched nothing."""
    return sum(
        1 for module_name, module in transformer.named_modules()
        if module_name and getattr(getattr(module, "_diffusers_hook", None), "hooks", None)
    )


def active(transformer: torch.nn.Module) -> bool:
    return getattr(transformer, "_cache_config", None) is not None


def remove(transformer: torch.nn.Module) -> None:
    """Take any diffusers cache off (idempotent); its state goes with its hooks."""
    if active(transformer):
        transformer.disable_cache()


def apply(transformer: torch.nn.Module, name: str, params: dict, *, steps: int,
          current_timestep: Callable[[], object]) -> int:
    """Install `name` for one generation; returns how many layers it hooked."""
    hook.remove(transformer)
    remove(transformer)
    if not hasattr(transformer, "enable_cache"):
        raise MethodError(f"method: {name}: {type(transformer).__name__} has no enable_cache (diffusers 0.33 or newer has it)")
    try:
        transformer.enable_cache(build_config(name, params, steps=steps, current_timestep=current_timestep))
    except MethodError:
        raise
    except Exception as error:  # noqa: BLE001 - diffusers says why in its own words
        remove(transformer)
        raise MethodError(f"method: {name}: diffusers could not install it on {type(transformer).__name__}: {error}") from error
    layers = hooked_layers(transformer)
    if layers == 0:
        remove(transformer)
        raise MethodError(f"method: {name}: matched none of {type(transformer).__name__}'s layers, so it would compute everything")
    return layers


def check(transformer: torch.nn.Module, name: str, params: dict, steps: int) -> Optional[str]:
    """Why `name` cannot work on this transformer, or None: installed and taken off again."""
    try:
        apply(transformer, name, params, steps=steps, current_timestep=lambda: 0)
    except MethodError as error:
        return str(error)
    finally:
        remove(transformer)
    return None
