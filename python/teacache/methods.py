"""diffusers' own training-free caches on a CogVideoX transformer, configured with plain numbers.

TypeScript validates every parameter (src/methods/) and sends names and numbers; this module
hands them by name to diffusers' config objects and installs them with `transformer.enable_cache`
for one generation. attach.py decides when: never together with the TeaCache forward, and taken
off after each generation, so each starts from fresh hook state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import torch

from . import pipeline, registry

METHODS = ("fbc", "pab", "fastercache", "magcache", "taylorseer")

# TaylorSeer full-matches its patterns against module names; its defaults ("^transformer_blocks.*attn")
# end at "attn" and so match none of CogVideoX's "transformer_blocks.<i>.attn1". These name
# CogVideoX's joint attention and feed-forward layers, the parts TaylorSeer predicts.
TAYLORSEER_LAYERS = [r"transformer_blocks\.\d+\.attn1", r"transformer_blocks\.\d+\.ff"]

DTYPES = {"bfloat16": torch.bfloat16, "float16": torch.float16, "float32": torch.float32}


class MethodError(pipeline.InputError):
    """A method that cannot work on this transformer (said before any run is made)."""


# diffusers' config class per method. The parameters are named once, by the zod schemas in
# src/methods/*.ts, and passed to these classes by those names; only what differs is below.
CONFIGS = {
    "fbc": "FirstBlockCacheConfig",
    "pab": "PyramidAttentionBroadcastConfig",
    "fastercache": "FasterCacheConfig",
    "magcache": "MagCacheConfig",
    "taylorseer": "TaylorSeerCacheConfig",
}
# teacache's name -> diffusers' field, where the two differ.
RENAMED = {"magcache": {"ratios": "mag_ratios"}}


@dataclass(frozen=True)
class MethodConfig:
    """One of diffusers' caches for one generation: the validated params and the run's facts."""

    name: str
    params: dict
    steps: int
    current_timestep: Callable[[], object] = lambda: 0


def _fields(config: MethodConfig) -> dict:
    """The params under diffusers' names, plus what the run (not the user) supplies."""
    renamed = RENAMED.get(config.name, {})
    fields = {renamed.get(key, key): value for key, value in config.params.items()}
    if config.name in ("pab", "fastercache"):
        fields["current_timestep_callback"] = config.current_timestep
    if config.name == "fastercache":
        weight = float(fields.pop("attention_weight"))
        fields["attention_weight_callback"] = lambda _module: weight
        # CogVideoX's transformer returns [batch, frames, channels, height, width].
        fields["tensor_format"] = "BFCHW"
    if config.name == "magcache":
        fields["num_inference_steps"] = config.steps
    if config.name == "taylorseer":
        fields["taylor_factors_dtype"] = DTYPES[fields["taylor_factors_dtype"]]
        fields["cache_identifiers"] = list(TAYLORSEER_LAYERS)
    return fields


def build_config(config: MethodConfig):
    """diffusers' config object for `config.name` with TypeScript's validated params."""
    import diffusers

    if config.name not in CONFIGS:
        raise MethodError(f"method: {config.name!r} is not one of {', '.join(METHODS)}")
    return getattr(diffusers, CONFIGS[config.name])(**_fields(config))


def hooked_layers(transformer: torch.nn.Module) -> int:
    """Submodules that carry a diffusers hook: 0 after enable_cache means it matched nothing."""
    return sum(
        1 for module_name, module in transformer.named_modules()
        if module_name and any(not registry.ours(name) for name in getattr(getattr(module, "_diffusers_hook", None), "hooks", {}))
    )


def active(transformer: torch.nn.Module) -> bool:
    return getattr(transformer, "_cache_config", None) is not None


def remove(transformer: torch.nn.Module) -> None:
    """Take any diffusers cache off (idempotent); its state goes with its hooks."""
    if active(transformer):
        transformer.disable_cache()


def apply(transformer: torch.nn.Module, config: MethodConfig) -> int:
    """Install `config.name` for one generation; returns how many layers it hooked."""
    name = config.name
    remove(transformer)
    if not hasattr(transformer, "enable_cache"):
        raise MethodError(f"method: {name}: {type(transformer).__name__} has no enable_cache (diffusers 0.33 or newer has it)")
    try:
        transformer.enable_cache(build_config(config))
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
        apply(transformer, MethodConfig(name, params, steps))
    except MethodError as error:
        return str(error)
    finally:
        remove(transformer)
    return None
