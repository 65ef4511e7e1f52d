"""The TeaCache indicator of a generation that runs diffusers' own forward (a baseline).

A baseline records the same per-step distances as a TeaCache run, so any run can seed a plan.
They are measured beside the forward, not by replacing it: hooks (diffusers' registry) on the
timestep embedding modules see the `emb` diffusers computes (time embedding, plus the ofs embedding of
CogVideoX1.5 I2V, added exactly as its forward adds it), and the distance is the TeaCache
forward's own arithmetic (`distance.indicator_tensor`, in the embedding's dtype). Where the modules
run (GPU, CPU offload, compiled blocks beside them) is where the forward runs them, so the
numbers are bit for bit the ones the TeaCache forward measures. The distances stay on the
device until the loop is over and then cross in one transfer: the timed loop gains a few tiny
kernels per step and no synchronisation.
"""

from __future__ import annotations

from typing import Optional

import torch

from . import distance, registry


NAME = registry.PREFIX + "indicator"


class IndicatorWatch:
    """While attached, every transformer call records its step's indicator."""

    def __init__(self, transformer: torch.nn.Module):
        self.transformer = transformer
        self._modules: list = []
        self._pending: Optional[torch.Tensor] = None
        self._previous: Optional[torch.Tensor] = None
        self._distances: list[Optional[torch.Tensor]] = []

    def attach(self) -> "IndicatorWatch":
        ofs = getattr(self.transformer, "ofs_embedding", None)
        self._hook(self.transformer.time_embedding, self._on_time(ofs is None))
        if ofs is not None:
            self._hook(ofs, self._on_ofs)
        return self

    def _hook(self, module: torch.nn.Module, on_output) -> None:
        registry.register(module, registry.PostForward(on_output), NAME)
        self._modules.append(module)

    def detach(self) -> None:
        for module in self._modules:
            registry.unregister(module, NAME)
        self._modules.clear()
        self._pending = self._previous = None

    def __enter__(self) -> "IndicatorWatch":
        return self.attach()

    def __exit__(self, *exc) -> None:
        self.detach()

    def _on_time(self, complete: bool):
        def on_time(output):
            if complete:
                self._step(output)
            else:
                self._pending = output
        return on_time

    def _on_ofs(self, output) -> None:
        if self._pending is None:
            raise RuntimeError("the ofs embedding ran before the time embedding; the indicator cannot be measured")
        self._step(self._pending + output)
        self._pending = None

    def _step(self, emb: torch.Tensor) -> None:
        previous, self._previous = self._previous, emb
        self._distances.append(None if previous is None else distance.indicator_tensor(emb, previous))

    def distances(self) -> list[Optional[float]]:
        """One raw distance per step (None at the first), fetched from the device at once."""
        measured = [d for d in self._distances if d is not None]
        # Widening to float32 is exact, so these are the TeaCache forward's `.item()` values.
        values = iter(torch.stack(measured).float().tolist() if measured else [])
        return [None if d is None else next(values) for d in self._distances]
