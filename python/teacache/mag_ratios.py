"""MagCache's calibration: how the blocks' residual magnitude changes from step to step.

MagCache skips the block stack while the accumulated ratio of residual magnitudes stays near 1,
so it needs that ratio per step for the model at hand (diffusers ships ratios for FLUX only).
This records it during a generation that computes every step, with MagCache's own definition:
the residual is the video stream after the last block minus the video stream into the first,
and step i's ratio is the mean over tokens of |residual_i| / |residual_{i-1}| (norms over the
channel axis), 1.0 at the first step.
"""

from __future__ import annotations

from typing import Optional

import torch

from . import registry

NAME = registry.PREFIX + "residual_ratios"


class Recorder:
    def __init__(self, transformer: torch.nn.Module):
        blocks = transformer.transformer_blocks
        self.ratios: list[float] = []
        self._input: Optional[torch.Tensor] = None
        self._previous: Optional[torch.Tensor] = None
        self._modules = [blocks[0], blocks[-1]]
        registry.register(blocks[0], registry.PreForward(self._on_input), NAME + "_in")
        registry.register(blocks[-1], registry.PostForward(self._on_output), NAME + "_out")

    def _on_input(self, args, kwargs):
        self._input = kwargs.get("hidden_states", args[0] if args else None)

    def _on_output(self, output):
        hidden = output[0] if isinstance(output, tuple) else output
        if self._input is None or not torch.is_tensor(hidden) or hidden.shape != self._input.shape:
            return
        residual = (hidden - self._input).float()
        self._input = None
        if self._previous is None:
            ratio = 1.0
        else:
            now = torch.linalg.norm(residual, dim=-1)
            before = torch.linalg.norm(self._previous, dim=-1)
            ratio = (now / (before + 1e-8)).mean().item()
        self.ratios.append(ratio)
        self._previous = residual

    def close(self) -> list[float]:
        for module, suffix in zip(self._modules, ("_in", "_out")):
            registry.unregister(module, NAME + suffix)
        self._modules = []
        self._previous = None
        return self.ratios
