"""How much of the transformer's work really ran in a generation, counted from inside the blocks.

A cache hook replaces a block's (or an attention layer's) forward, so a hook on the block itself
fires whether or not it computed. The counts here sit on the first layer each piece of work
runs, which only executes when that work does: `norm1` for a block body, the attention's query
projection, the feed-forward's input projection. They count batch rows, so a cache that drops
the unconditional half of a classifier-free-guidance batch shows as well as one that skips a
block. The input rows (a hook on the transformer, outside any cache hook that splits the
batch) give each step's full amount. All are hooks in diffusers' registry (registry.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch

from . import registry

KINDS = ("block_rows", "attention_rows", "feedforward_rows")


def _first_layers(block: torch.nn.Module) -> Optional[dict]:
    try:
        return {"block_rows": block.norm1, "attention_rows": block.attn1.to_q, "feedforward_rows": block.ff.net[0]}
    except (AttributeError, IndexError, TypeError):
        return None


NAME = registry.PREFIX + "counter"


@dataclass(frozen=True)
class CounterConfig:
    """Count the work of one generation (eager blocks only: a hook inside a compiled block would
    be compiled with it)."""

    enabled: bool = True


class Counter:
    """Attached for one generation; `step_end` closes a step, `close` takes every hook off."""

    def __init__(self, transformer: torch.nn.Module):
        self.layers = len(transformer.transformer_blocks)
        self.totals = {"input_rows": 0, "block_calls": 0, **{k: 0 for k in KINDS}}
        self._step = dict(self.totals)
        self.steps: list[dict] = []
        self._modules: list = []
        targets = [_first_layers(block) for block in transformer.transformer_blocks]
        self.available = bool(targets) and all(t is not None for t in targets)
        if not self.available:
            return
        for layers in targets:
            for kind, module in layers.items():
                self._hook(module, self._counter(kind))
        # Registered last, so outermost: it sees the rows before any cache hook on the transformer splits the batch.
        self._hook(transformer, self._on_input)

    def _hook(self, module: torch.nn.Module, on_input) -> None:
        registry.register(module, registry.PreForward(on_input), NAME)
        self._modules.append(module)

    def _on_input(self, args, kwargs):
        states = kwargs.get("hidden_states", args[0] if args else None)
        if torch.is_tensor(states):
            self._step["input_rows"] += int(states.shape[0])

    def _counter(self, kind: str):
        def count(args, _kwargs):
            rows = int(args[0].shape[0]) if args and torch.is_tensor(args[0]) else 1
            self._step[kind] += rows
            if kind == "block_rows":
                self._step["block_calls"] += 1

        return count

    def step_end(self, _index: int) -> None:
        self.steps.append(dict(self._step))
        for key, value in self._step.items():
            self.totals[key] += value
            self._step[key] = 0

    def close(self) -> None:
        for module in self._modules:
            registry.unregister(module, NAME)
        self._modules = []

    def report(self) -> Optional[dict]:
        """Totals and per-step counts; None when this transformer's blocks are not CogVideoX blocks."""
        if not self.available:
            return None
        return {"layers": self.layers, **self.totals, "steps": self.steps}
