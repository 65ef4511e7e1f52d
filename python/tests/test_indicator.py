"""The indicator in the model's dtype, bit for bit the TeaCache reference's formula."""

import pytest
import torch

from teacache import generate, hook, pipeline

SIZE = dict(height=32, width=32, frames=9)


def reference_distance(emb, previous):
    # TeaCache4CogVideoX1.5's teacache_sample_video.py, written out: in the embedding's dtype, then .item().
    return ((emb - previous).abs().mean() / previous.abs().mean()).item()


@pytest.mark.parametrize("dtype", ["bfloat16", "float32"])
def test_distances_equal_the_reference_formula(dtype):
    pipe, facts = pipeline.load("tiny", "cpu", dtype, False, False, "none")
    transformer = pipe.transformer
    embeddings, _ = generate.encode_prompt(pipe, facts, "a cat", None, 6.0)
    seen, embs = [], []
    handle = transformer.time_embedding.register_forward_hook(lambda m, a, out: embs.append(out.detach().clone()))
    try:
        generate.denoise(
            pipe, facts, embeddings, decide=lambda i, t, d: seen.append(d) or True, on_step=None, image=None,
            seed=42, steps=8, guidance_scale=6.0, use_dynamic_cfg=True, **SIZE,
        )
    finally:
        handle.remove()
    assert embs[0].dtype == getattr(torch, dtype)
    expected = [None] + [reference_distance(embs[i], embs[i - 1]) for i in range(1, len(embs))]
    assert seen == expected  # exact equality: the float TypeScript gets is the reference's .item()
    trace = generate.indicator_trace(pipe, facts, 8, 6.0)
    assert trace["distances"] == expected  # plan measures the same numbers


def test_bf16_differs_from_a_float32_indicator():
    """The reason for computing in bf16: a float32 indicator is measurably another number."""
    pipe, facts = pipeline.load("tiny", "cpu", "bfloat16", False, False, "none")
    trace = generate.indicator_trace(pipe, facts, 8, 6.0)
    t = pipe.transformer
    pipe.scheduler.set_timesteps(8)
    embs = [hook.embed_timestep(t, ts.expand(2), None, None, torch.bfloat16) for ts in pipe.scheduler.timesteps]
    as_float32 = [hook.relative_l1(embs[i], embs[i - 1]) for i in range(1, len(embs))]
    assert trace["distances"][1:] != as_float32
