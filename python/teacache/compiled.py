"""`compile: blocks`: torch.compile on each transformer block, chosen per generation.

Only the blocks are compiled. The TeaCache forward (embedding, indicator, the call to the
policy, the residuals) stays eager, so a skipped step never enters compiled code, and the
decision still comes from TypeScript. Eager and compiled blocks are kept side by side (they
share their parameters), so one loaded pipeline can time both in a sweep against the same
eager baseline: each generation installs the list it asked for.
"""

from __future__ import annotations

import torch

EAGER = "_teacache_eager_blocks"
COMPILED = "_teacache_compiled_blocks"
MODES = ("none", "blocks")


def use(transformer: torch.nn.Module, mode: str) -> bool:
    """Install eager ("none") or compiled ("blocks") blocks; True when the compiled list is new
    (its first call will compile)."""
    if mode not in MODES:
        raise ValueError(f"compile: expected one of {MODES}, got {mode!r}")
    # Kept in __dict__, not as submodules: .to(), state_dict() and hooks see only the active list.
    eager = transformer.__dict__.setdefault(EAGER, transformer.transformer_blocks)
    if mode == "none":
        transformer.transformer_blocks = eager
        return False
    compiled = transformer.__dict__.get(COMPILED)
    fresh = compiled is None
    if fresh:
        compiled = torch.nn.ModuleList([torch.compile(block) for block in eager])
        transformer.__dict__[COMPILED] = compiled
    transformer.transformer_blocks = compiled
    return fresh
