"""The indicator in the model's dtype, bit for bit the TeaCache reference's formula."""

import pytest
import torch

from teacache import distance, generate, pipeline

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
    embs = [distance.embed_timestep(t, ts.expand(2), None, None, torch.bfloat16) for ts in pipe.scheduler.timesteps]
    as_float32 = [distance.relative_l1(embs[i], embs[i - 1]) for i in range(1, len(embs))]
    assert trace["distances"][1:] != as_float32


def _generate(pipe, facts, decide, image, **kwargs):
    embeddings, _ = generate.encode_prompt(pipe, facts, "a cat", None, 6.0)
    return generate.denoise(
        pipe, facts, embeddings, decide=decide, on_step=None, image=image, seed=42, steps=8,
        guidance_scale=6.0, use_dynamic_cfg=True, **SIZE, **kwargs,
    )


@pytest.mark.parametrize("model", ["tiny", "tiny-i2v", "tiny-1.0"])
@pytest.mark.parametrize("dtype", ["bfloat16", "float32"])
def test_a_baseline_records_the_distances_the_teacache_forward_measures(model, dtype):
    """Any run can seed a plan: diffusers' own forward reports, bit for bit, the TeaCache forward's numbers."""
    from PIL import Image

    pipe, facts = pipeline.load(model, "cpu", dtype, False, False, "none")
    image = Image.new("RGB", (SIZE["width"], SIZE["height"]), (90, 140, 200)) if facts["task"] == "i2v" else None
    seen = []
    patched = _generate(pipe, facts, lambda i, t, d: seen.append(d) or True, image)
    baseline = _generate(pipe, facts, None, image)
    assert patched["distances"] is None
    assert baseline["distances"] == seen  # exact: the same floats, None at the first step
    assert baseline["distances"][0] is None and all(isinstance(d, float) and d > 0 for d in baseline["distances"][1:])
    assert baseline["block_loops"] is None  # the forward was diffusers' own
    # The measuring hooks are gone afterwards: a later generation does not record into this one.
    assert not pipe.transformer.time_embedding._diffusers_hook.hooks
