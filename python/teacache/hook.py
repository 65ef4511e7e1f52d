"""The TeaCache mechanism for CogVideoX transformers: measure, cache, reuse.

`apply` registers a `TeaCacheHook` in diffusers' hook registry of one transformer *instance*
(the registry replaces that instance's forward); all state lives in the hook's `TeaCacheState`,
so two pipelines in one process never share a cache. The decision to
compute or reuse is not made here: `begin` takes a `decide(index, timestep, distance) -> bool`
callable (the TypeScript policy, through the bridge) that is asked once per denoising step.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional

import torch
from diffusers.hooks import ModelHook

from . import registry

NAME = registry.PREFIX + "forward"

Decide = Callable[[int, float, Optional[float]], bool]


class TeaCacheError(RuntimeError):
    """The mechanism was driven out of its contract (a desynchronised step, a bad answer)."""


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
        output = _forward(module, self.state, *args, **kwargs)
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


def relative_l1_tensor(current: torch.Tensor, previous: torch.Tensor) -> torch.Tensor:
    """mean|current - previous| / mean|previous| over all elements, in float32, left on the device."""
    previous = previous.float()
    return (current.float() - previous).abs().mean() / previous.abs().mean()


def relative_l1(current: torch.Tensor, previous: torch.Tensor) -> float:
    return relative_l1_tensor(current, previous).item()


def indicator_tensor(emb: torch.Tensor, previous: torch.Tensor) -> torch.Tensor:
    """The TeaCache indicator in the embedding's own dtype, exactly as the reference writes it.

    In bf16 this differs from a float32 computation by up to ~6e-4, enough to move an accumulator
    across the threshold; the reference's schedules are only reproduced with its arithmetic.
    """
    return (emb - previous).abs().mean() / previous.abs().mean()


def indicator_distance(emb: torch.Tensor, previous: torch.Tensor) -> float:
    return indicator_tensor(emb, previous).item()


def _step_numbers(emb: torch.Tensor, previous: Optional[torch.Tensor], timestep: Any) -> tuple[Optional[float], float]:
    """The indicator distance and the step's timestep, fetched from the device in one transfer (one sync).

    Widening the distance to float32 before the transfer is exact (every bf16/fp16 value is a
    float32 value), so the number TypeScript sees is the reference's `.item()`.
    """
    t = timestep.flatten()[0].float().to(emb.device) if torch.is_tensor(timestep) else torch.tensor(float(timestep), device=emb.device)
    if previous is None:
        return None, t.item()
    distance, value = torch.stack([indicator_tensor(emb, previous).float(), t]).tolist()
    return distance, value


def _into(buffer: Optional[torch.Tensor], a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """a - b, written into the previous step's buffer when it fits (no new allocation per step)."""
    if buffer is not None and buffer.shape == a.shape and buffer.dtype == a.dtype and buffer.device == a.device:
        return torch.sub(a, b, out=buffer)
    return a - b


def embed_timestep(transformer, timestep, timestep_cond, ofs, dtype: torch.dtype) -> torch.Tensor:
    """The timestep embedding `emb` exactly as CogVideoX's forward computes it (ofs term for 1.5 I2V)."""
    t_emb = transformer.time_proj(timestep).to(dtype=dtype)
    emb = transformer.time_embedding(t_emb, timestep_cond)
    if getattr(transformer, "ofs_embedding", None) is not None:
        ofs_emb = transformer.ofs_proj(ofs).to(dtype=dtype)
        emb = emb + transformer.ofs_embedding(ofs_emb)
    return emb


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


def _forward(self, state: TeaCacheState, *args, attention_kwargs: Optional[dict] = None, **kwargs):
    with _lora_scale(self, attention_kwargs) as cleaned:
        return _cached_forward(self, state, *args, attention_kwargs=cleaned, **kwargs)


def _cached_forward(
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
    distance, step_timestep = _step_numbers(emb, state.previous_emb, timestep)
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
