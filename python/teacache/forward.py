"""The TeaCache forward of a CogVideoX transformer: diffusers' forward with one step of TeaCache in it.

It measures the timestep embedding's change, asks the state's `decide` whether to run the
blocks, and either runs them (keeping their residuals) or adds the cached residuals instead;
the rest is diffusers' own forward, line for line. hook.py installs it and owns the state.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, Iterator, Optional

import torch

from .distance import embed_timestep, relative_l1, step_numbers

if TYPE_CHECKING:
    from .hook import TeaCacheState


class TeaCacheError(RuntimeError):
    """The mechanism was driven out of its contract (a desynchronised step, a bad answer)."""


def _into(buffer: Optional[torch.Tensor], a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """a - b, written into the previous step's buffer when it fits (no new allocation per step)."""
    if buffer is not None and buffer.shape == a.shape and buffer.dtype == a.dtype and buffer.device == a.device:
        return torch.sub(a, b, out=buffer)
    return a - b


@contextlib.contextmanager
def _lora_scale(transformer, attention_kwargs: Optional[dict]) -> Iterator[Optional[dict]]:
    """What diffusers' LoRA-scale decorator does for the stock forward, which this one replaces."""
    scale = 1.0
    if attention_kwargs is not None and "scale" in attention_kwargs:
        attention_kwargs = dict(attention_kwargs)
        scale = attention_kwargs.pop("scale")
    from diffusers.utils import USE_PEFT_BACKEND

    if not (USE_PEFT_BACKEND and scale != 1.0):
        yield attention_kwargs
        return
    from diffusers.utils import scale_lora_layers, unscale_lora_layers

    scale_lora_layers(transformer, scale)
    try:
        yield attention_kwargs
    finally:
        unscale_lora_layers(transformer, scale)


def cached_forward(self, state: TeaCacheState, *args, attention_kwargs: Optional[dict] = None, **kwargs):
    """CogVideoX's forward with the TeaCache step in it; `state` is the hook's (hook.TeaCacheState)."""
    with _lora_scale(self, attention_kwargs) as cleaned:
        return _forward(self, state, *args, attention_kwargs=cleaned, **kwargs)


def _forward(
    self,
    state: TeaCacheState,
    hidden_states: torch.Tensor,
    encoder_hidden_states: torch.Tensor,
    timestep: Any,
    timestep_cond: Optional[torch.Tensor] = None,
    ofs: Any = None,
    image_rotary_emb: Optional[tuple] = None,
    attention_kwargs: Optional[dict] = None,
    return_dict: bool = True,
):
    if state.index >= state.num_steps:
        raise TeaCacheError(
            f"the transformer was called for step {state.index} but the generation announced "
            f"{state.num_steps} steps; one denoising step must call it exactly once"
        )
    batch_size, num_frames, _, height, width = hidden_states.shape

    # 1. Timestep embedding: the indicator TeaCache measures.
    emb = embed_timestep(self, timestep, timestep_cond, ofs, hidden_states.dtype)
    distance, step_timestep = step_numbers(emb, state.previous_emb, timestep)
    state.previous_emb = emb
    compute = state.decide(state.index, step_timestep, distance)
    if not isinstance(compute, bool):
        raise TeaCacheError(f"the policy answered {compute!r} for step {state.index}; expected a boolean")

    # 2. Patch embedding (always: it is cheap and the residuals are added to its output).
    hidden_states = self.patch_embed(encoder_hidden_states, hidden_states)
    hidden_states = self.embedding_dropout(hidden_states)
    text_seq_length = encoder_hidden_states.shape[1]
    encoder_hidden_states = hidden_states[:, :text_seq_length]
    hidden_states = hidden_states[:, text_seq_length:]

    # 3. The transformer blocks, or the residuals they produced last time.
    if compute:
        hidden_in, encoder_in = hidden_states, encoder_hidden_states
        for block in self.transformer_blocks:
            hidden_states, encoder_hidden_states = block(
                hidden_states=hidden_states,
                encoder_hidden_states=encoder_hidden_states,
                temb=emb,
                image_rotary_emb=image_rotary_emb,
                attention_kwargs=attention_kwargs,
            )
        state.residual = _into(state.residual, hidden_states, hidden_in)
        state.residual_encoder = _into(state.residual_encoder, encoder_hidden_states, encoder_in)
        state.block_loops += 1
    else:
        if state.residual is None or state.residual.shape != hidden_states.shape:
            raise TeaCacheError(
                f"step {state.index} was to reuse residuals, but none of this shape are cached; "
                "the first step of a generation must be computed"
            )
        # In place: both are views of this step's fresh patch-embedding output, used nowhere else.
        hidden_states = hidden_states.add_(state.residual)
        encoder_hidden_states = encoder_hidden_states.add_(state.residual_encoder)
    state.index += 1

    # 4. Output head and unpatchify, exactly as diffusers does it.
    hidden_states = self.norm_final(hidden_states)
    hidden_states = self.norm_out(hidden_states, temb=emb)
    hidden_states = self.proj_out(hidden_states)
    p, p_t = self.config.patch_size, self.config.patch_size_t
    if p_t is None:
        output = hidden_states.reshape(batch_size, num_frames, height // p, width // p, -1, p, p)
        output = output.permute(0, 1, 4, 2, 5, 3, 6).flatten(5, 6).flatten(3, 4)
    else:
        output = hidden_states.reshape(
            batch_size, (num_frames + p_t - 1) // p_t, height // p, width // p, -1, p_t, p, p
        )
        output = output.permute(0, 1, 5, 4, 2, 6, 3, 7).flatten(6, 7).flatten(4, 5).flatten(1, 2)
    if state.record_outputs:
        previous = state.previous_output
        state.output_changes.append(None if previous is None else relative_l1(output, previous))
        state.previous_output = output
    if not return_dict:
        return (output,)
    from diffusers.models.modeling_outputs import Transformer2DModelOutput

    return Transformer2DModelOutput(sample=output)
