"""The TeaCache mechanism for CogVideoX transformers: measure, cache, reuse.

`apply` registers a `TeaCacheHook` in diffusers' hook registry of one transformer *instance*
(the registry replaces that instance's forward with forward.py's); all state lives in the hook's
`TeaCacheState`, so two pipelines in one process never share a cache. The decision to
compute or reuse is not made here: `begin` takes a `decide(index, timestep, distance) -> bool`
callable (the TypeScript policy, through the bridge) that is asked once per denoising step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import torch
from diffusers.hooks import ModelHook

from . import registry
from .forward import cached_forward

NAME = registry.PREFIX + "forward"

Decide = Callable[[int, float, Optional[float]], bool]


@dataclass(frozen=True)
class TeaCacheConfig:
    """One generation's TeaCache: who decides, how many steps it announces, whether the output's
    relative L1 change per step is recorded (calibration; it costs a sync a step)."""

    decide: Decide
    num_steps: int
    record_outputs: bool = False


class TeaCacheState:
    def __init__(self):
        self.decide: Optional[Decide] = None
        self.num_steps = 0
        self.record_outputs = False
        self._clear()

    def _clear(self) -> None:
        self.index = 0
        self.block_loops = 0
        self.output_changes: list[Optional[float]] = []
        self.free()

    def free(self) -> None:
        self.previous_emb: Optional[torch.Tensor] = None
        self.residual: Optional[torch.Tensor] = None
        self.residual_encoder: Optional[torch.Tensor] = None
        self.previous_output: Optional[torch.Tensor] = None

    @property
    def armed(self) -> bool:
        return self.decide is not None

    def begin(self, decide: Decide, num_steps: int, record_outputs: bool = False) -> None:
        self._clear()
        self.decide, self.num_steps, self.record_outputs = decide, num_steps, record_outputs

    def end(self) -> dict:
        """Disarm, free the cached tensors; report how often the blocks ran (and output changes)."""
        report = {"block_loops": self.block_loops, "output_changes": self.output_changes if self.record_outputs else None}
        self.decide = None
        self.record_outputs = False
        self._clear()
        return report


class TeaCacheHook(ModelHook):
    """The TeaCache forward, in place of the transformer's while armed (diffusers' forward otherwise)."""

    _is_stateful = True

    def __init__(self):
        super().__init__()
        self.state = TeaCacheState()

    def new_forward(self, module, *args, **kwargs):
        if not self.state.armed:
            return self.fn_ref.original_forward(*args, **kwargs)
        # accelerate's offload hook wraps the forward this one replaces; run it around this one so
        # the weights are still moved to the device first (and offloaded after).
        offload = getattr(module, "_hf_hook", None)
        if offload is not None:
            args, kwargs = offload.pre_forward(module, *args, **kwargs)
        output = cached_forward(module, self.state, *args, **kwargs)
        return offload.post_forward(module, output) if offload is not None else output

    def reset_state(self, module):
        # diffusers resets stateful hooks when a pipeline call ends (maybe_free_model_hooks): free
        # the cached tensors, keep the counts for `end` (`begin` starts each generation afresh).
        self.state.free()
        return module


def state_of(transformer: torch.nn.Module) -> Optional[TeaCacheState]:
    found = registry.get(transformer, NAME)
    return found.state if found is not None else None


def apply(transformer: torch.nn.Module) -> TeaCacheState:
    """Register the TeaCache forward on this instance (idempotent); it stays disarmed until `begin`."""
    state = state_of(transformer)
    if state is None:
        hook = TeaCacheHook()
        registry.register(transformer, hook, NAME)
        state = hook.state
    return state


def remove(transformer: torch.nn.Module) -> None:
    registry.unregister(transformer, NAME)
