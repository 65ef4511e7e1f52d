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


class Recorder:
    def __init__(self, transformer: torch.nn.Module):
        blocks = transformer.transformer_blocks
        self.ratios: list[float] = []
        self._input: Optional[torch.Tensor] = None
        self._previous: Optional[torch.Tensor] = None
        self._handles = [
            blocks[0].register_forward_pre_hook(self._on_input, with_kwargs=True),
            blocks[-1].register_forward_hook(self._on_output),
        ]

    def _on_input(self, _module, args, kwargs):
        self._input = kwargs.get("hidden_states", args[0] if args else None)

    def _on_output(self, _module, _args, output):
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
        for handle in self._handles:
            handle.remove()
        self._handles = []
        self._previous = None
        return self.ratios
