"""teacache's hooks go through diffusers' own hook registry, as diffusers' caches do.

`HookRegistry` replaces a module instance's forward with a chain: each hook registered on a
module wraps the ones registered there before it. Names carry PREFIX so diffusers' cache
bookkeeping (methods.hooked_layers) can tell its hooks from these.
"""

from __future__ import annotations

from typing import Callable

import torch
from diffusers.hooks import HookRegistry, ModelHook

PREFIX = "teacache_"


class PreForward(ModelHook):
    """Sees a module's inputs before it runs (it runs only when the work it stands for does)."""

    def __init__(self, on_input: Callable[[tuple, dict], None]):
        super().__init__()
        self.on_input = on_input

    def pre_forward(self, module, *args, **kwargs):
        self.on_input(args, kwargs)
        return args, kwargs


class PostForward(ModelHook):
    """Sees a module's output, unchanged."""

    def __init__(self, on_output: Callable[[object], None]):
        super().__init__()
        self.on_output = on_output

    def post_forward(self, module, output):
        self.on_output(output)
        return output


def register(module: torch.nn.Module, hook: ModelHook, name: str) -> None:
    assert name.startswith(PREFIX), name
    HookRegistry.check_if_exists_or_initialize(module).register_hook(hook, name)


def get(module: torch.nn.Module, name: str):
    registry = getattr(module, "_diffusers_hook", None)
    return registry.get_hook(name) if registry is not None else None


def unregister(module: torch.nn.Module, name: str) -> None:
    """Take one hook off (idempotent); the module's own forward comes back once none is left."""
    registry = getattr(module, "_diffusers_hook", None)
    if registry is None or name not in registry.hooks:
        return
    registry.remove_hook(name, recurse=False)
    forward = module.__dict__.get("forward")
    if not registry.hooks and getattr(forward, "__self__", None) is module \
            and getattr(forward, "__func__", None) is type(module).forward:
        # The registry put the class method back as an instance attribute: drop it, exactly as before.
        del module.__dict__["forward"]


def ours(name: str) -> bool:
    return name.startswith(PREFIX)
