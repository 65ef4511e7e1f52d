"""The numbers TeaCache measures: the timestep embedding, its indicator distance, the output's change.

Kept apart from the forward that uses them (forward.py) because a baseline measures the same
indicator beside diffusers' forward (indicator.py, generate.indicator_trace), and a plan or a
calibration is only as good as the two agreeing bit for bit: one arithmetic, in one place.
"""

from __future__ import annotations

from typing import Any, Optional

import torch


def relative_l1(current: torch.Tensor, previous: torch.Tensor) -> float:
    """mean|current - previous| / mean|previous| over all elements, in float32 (the output's change)."""
    previous = previous.float()
    return ((current.float() - previous).abs().mean() / previous.abs().mean()).item()


def indicator_tensor(emb: torch.Tensor, previous: torch.Tensor) -> torch.Tensor:
    """The TeaCache indicator in the embedding's own dtype, exactly as the reference writes it.

    In bf16 this differs from a float32 computation by up to ~6e-4, enough to move an accumulator
    across the threshold; the reference's schedules are only reproduced with its arithmetic.
    """
    return (emb - previous).abs().mean() / previous.abs().mean()


def indicator_distance(emb: torch.Tensor, previous: torch.Tensor) -> float:
    return indicator_tensor(emb, previous).item()


def step_numbers(emb: torch.Tensor, previous: Optional[torch.Tensor], timestep: Any) -> tuple[Optional[float], float]:
    """The indicator distance and the step's timestep, fetched from the device in one transfer (one sync).

    Widening the distance to float32 before the transfer is exact (every bf16/fp16 value is a
    float32 value), so the number TypeScript sees is the reference's `.item()`.
    """
    t = timestep.flatten()[0].float().to(emb.device) if torch.is_tensor(timestep) else torch.tensor(float(timestep), device=emb.device)
    if previous is None:
        return None, t.item()
    distance, value = torch.stack([indicator_tensor(emb, previous).float(), t]).tolist()
    return distance, value


def embed_timestep(transformer, timestep, timestep_cond, ofs, dtype: torch.dtype) -> torch.Tensor:
    """The timestep embedding `emb` exactly as CogVideoX's forward computes it (ofs term for 1.5 I2V)."""
    t_emb = transformer.time_proj(timestep).to(dtype=dtype)
    emb = transformer.time_embedding(t_emb, timestep_cond)
    if getattr(transformer, "ofs_embedding", None) is not None:
        ofs_emb = transformer.ofs_proj(ofs).to(dtype=dtype)
        emb = emb + transformer.ofs_embedding(ofs_emb)
    return emb
