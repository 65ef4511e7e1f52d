"""diffusers' own caches on the tiny CogVideoX1.5 pipelines (patch_size_t=2, T2V and I2V), through
the bridge session as a sweep drives them: each really avoids work, leaves nothing behind, and
never runs together with TeaCache. Two of diffusers' caches do nothing on CogVideoX; the tests
that show it fail the day diffusers fixes them, so the refusals can be revisited."""

import json
import re

import numpy as np
import pytest
import torch
from PIL import Image

from teacache import attach, bridge, compute, hook, indicator, mag_ratios, methods, pipeline, tiny

SIZE = dict(height=32, width=32, frames=9)
STEPS = 6

# Parameters that make each method skip something on the tiny model's random weights (its first
# block's output changes far more per step than a trained model's, hence FBC's high threshold).
PARAMS = {
    "fbc": {"threshold": 2.0},
    "pab": {"spatial_attention_block_skip_range": 2, "spatial_attention_timestep_skip_range": [100, 800]},
    "fastercache": {
        "spatial_attention_block_skip_range": 2, "spatial_attention_timestep_skip_range": [-1, 681],
        "unconditional_batch_skip_range": 5, "unconditional_batch_timestep_skip_range": [-1, 641],
        "low_frequency_weight_update_timestep_range": [99, 641], "high_frequency_weight_update_timestep_range": [-1, 301],
        "alpha_low_frequency": 1.1, "alpha_high_frequency": 1.1, "attention_weight": 0.3,
    },
    "magcache": {"threshold": 0.5, "max_skip_steps": 3, "retention_ratio": 0.2, "ratios": None},
    "taylorseer": {"cache_interval": 2, "disable_cache_before_step": 1, "disable_cache_after_step": None,
                   "max_order": 1, "taylor_factors_dtype": "float32"},
}
# What each one reuses: whole blocks, attention (and the feed-forward), or the unconditional batch.
LESS = {
    "fbc": {"block_rows", "attention_rows", "feedforward_rows"},
    "pab": {"attention_rows"},
    "fastercache": {"block_rows", "attention_rows", "feedforward_rows"},
    "magcache": {"block_rows", "attention_rows", "feedforward_rows"},
    "taylorseer": {"attention_rows", "feedforward_rows"},
}
KINDS = ("block_rows", "attention_rows", "feedforward_rows")


@pytest.fixture(scope="module", params=["tiny", "tiny-i2v"])
def session(request, tmp_path_factory):
    s = bridge.Session()
    s.load(request.param, "cpu", "float32", False, False, "none")
    s.image = None
    if s.facts["task"] == "i2v":
        s.image = str(tmp_path_factory.mktemp("img") / "first.png")
        Image.fromarray((np.random.RandomState(0).rand(32, 32, 3) * 255).astype("uint8")).save(s.image)
    s.encode_prompt("a cat", None, 6.0)
    return s


def denoise(s, method=None, decide=None, record_outputs=False, guidance_scale=6.0):
    if guidance_scale != 6.0:
        s.encode_prompt("a cat", None, guidance_scale)
    request = dict(prompt="a cat", negative_prompt=None, guidance_scale=guidance_scale, image=s.image, seed=42,
                   steps=STEPS, use_dynamic_cfg=True, record_outputs=record_outputs, generator="cpu", compile="none",
                   method=method, **SIZE)
    result = s.denoise(json.dumps(request), decide=decide, on_step=None)
    return result, s._latents


def with_ratios(s, name):
    params = dict(PARAMS[name])
    if name == "magcache":
        params["ratios"] = denoise(s, decide=lambda *_: True, record_outputs=True)[0]["residual_ratios"]
    return {"name": name, "params": params}


def test_baseline_counts_every_block_row(session):
    result, _ = denoise(session)
    c = result["compute"]
    rows = 2 * STEPS  # classifier-free guidance: cond and uncond in one batch of 2
    assert c["input_rows"] == rows
    assert c["block_calls"] == STEPS * c["layers"]
    assert all(c[k] == rows * c["layers"] for k in KINDS)
    assert [s["block_rows"] for s in c["steps"]] == [2 * c["layers"]] * STEPS


def test_teacache_block_loops_agree_with_the_counts(session):
    result, _ = denoise(session, decide=lambda i, t, d: i in (0, 2, STEPS - 1))
    c = result["compute"]
    assert result["block_loops"] == 3
    assert c["block_rows"] == 3 * 2 * c["layers"] and c["input_rows"] == 2 * STEPS


@pytest.mark.parametrize("name", list(PARAMS))
def test_each_method_avoids_work_and_leaves_nothing_behind(session, name):
    before, base = denoise(session)
    method = with_ratios(session, name)
    first, latents = denoise(session, method)
    again, latents_again = denoise(session, method)
    after, base_after = denoise(session)
    for kind in KINDS:
        fewer = first["compute"][kind] < before["compute"][kind]
        assert fewer == (kind in LESS[name]), (name, kind, first["compute"][kind], before["compute"][kind])
    assert not torch.equal(latents, base)
    # Fresh hook state every generation: the same method twice gives the same video and counts.
    assert torch.equal(latents, latents_again) and first["compute"] == again["compute"]
    # Taken off completely: diffusers' forward again, bit for bit.
    assert torch.equal(base, base_after) and after["compute"] == before["compute"]
    assert not methods.active(session.pipe.transformer) and hook.state_of(session.pipe.transformer) is None


def test_teacache_and_a_method_are_never_active_together(session):
    transformer = session.pipe.transformer
    attach.apply(transformer, attach.Attachments(teacache=hook.TeaCacheConfig(lambda *_: True, STEPS)))
    attach.apply(transformer, attach.Attachments(method=methods.MethodConfig("fbc", PARAMS["fbc"], STEPS)))
    assert hook.state_of(transformer) is None and methods.active(transformer)
    attach.remove(transformer)
    # A method left on by someone else: a TeaCache generation takes it off before installing its forward.
    methods.apply(transformer, methods.MethodConfig("fbc", PARAMS["fbc"], STEPS))
    result, _ = denoise(session, decide=lambda *_: True)
    assert result["block_loops"] == STEPS and not methods.active(transformer)
    with pytest.raises(pipeline.InputError, match="without TeaCache"):
        denoise(session, method={"name": "fbc", "params": PARAMS["fbc"]}, decide=lambda *_: True)


def test_the_hooks_attach_in_the_declared_order(session):
    """attach.py's order: a cache's hooks inside, the counters outermost (they see the whole batch)."""
    transformer = session.pipe.transformer
    plan = attach.Attachments(method=methods.MethodConfig("fastercache", PARAMS["fastercache"], STEPS),
                              residual_ratios=True, indicator=True, counters=compute.CounterConfig())
    attach.apply(transformer, plan)
    try:
        order = transformer._diffusers_hook._hook_order
        assert order[-1] == compute.NAME and "faster_cache_denoiser" in order[:-1]
        assert transformer.time_embedding._diffusers_hook._hook_order == [indicator.NAME]
        assert transformer.transformer_blocks[0]._diffusers_hook._hook_order[-1] == mag_ratios.NAME + "_in"
        assert transformer.transformer_blocks[0].attn1._diffusers_hook._hook_order == ["faster_cache_block"]
    finally:
        report = attach.remove(transformer)
    assert set(report) == {"block_loops", "output_changes", "distances", "compute", "residual_ratios"}
    left = [n for n, m in transformer.named_modules() if getattr(getattr(m, "_diffusers_hook", None), "hooks", None)]
    assert left == [] and not methods.active(transformer)


def test_seacache_does_nothing_on_cogvideox(session):
    """The CogVideoX pipelines enter cache_context("cond_uncond") with no step, sigma or step
    count, and SeaCache has no raw-vision adapter for CogVideoX: it fails open on every call."""
    from diffusers import SeaCacheConfig

    transformer = session.pipe.transformer
    before, base = denoise(session)
    transformer.enable_cache(SeaCacheConfig(threshold=1e9, max_consecutive_cached=0))
    try:
        counter_run, latents = denoise_keeping_cache(session)
    finally:
        transformer.disable_cache()
    assert counter_run == before["compute"] and torch.equal(latents, base)


def denoise_keeping_cache(s):
    """The session's denoise takes caches off first; this runs the pipeline with one left on."""
    from teacache import generate

    out = generate.denoise(s.pipe, s.facts, s._embeddings[("a cat", None, True)], decide=None, on_step=None,
                           image=s.image, seed=42, steps=STEPS, guidance_scale=6.0, use_dynamic_cfg=True,
                           attachments=attach.Attachments(counters=compute.CounterConfig()), **SIZE)
    return out["compute"], out["latents"]


def test_taylorseer_defaults_match_no_cogvideox_layer(session):
    from diffusers import TaylorSeerCacheConfig

    transformer = session.pipe.transformer
    transformer.enable_cache(TaylorSeerCacheConfig(cache_interval=2, disable_cache_before_step=1))
    try:
        assert methods.hooked_layers(transformer) == 0
    finally:
        transformer.disable_cache()
    names = [n for n, _ in transformer.named_modules() if any(re.fullmatch(p, n) for p in methods.TAYLORSEER_LAYERS)]
    assert len(names) == 2 * len(transformer.transformer_blocks)


def test_ratios_are_magcaches_own_calibration(session, capsys):
    from diffusers import MagCacheConfig

    ours = denoise(session, decide=lambda *_: True, record_outputs=True)[0]["residual_ratios"]
    transformer = session.pipe.transformer
    capsys.readouterr()
    transformer.enable_cache(MagCacheConfig(calibrate=True, num_inference_steps=STEPS))
    try:
        denoise_keeping_cache(session)
    finally:
        transformer.disable_cache()
    printed = capsys.readouterr().out
    theirs = json.loads(re.search(r"\[1\.0[^\]]*\]", printed).group(0))
    assert len(ours) == STEPS and ours[0] == 1.0
    assert np.allclose(ours, theirs, rtol=1e-5)


def test_a_method_that_cannot_work_is_refused_with_the_reason():
    pipe = tiny.build("tiny", transformer_sizes={"num_layers": 1})
    reason = methods.check(pipe.transformer, "fbc", PARAMS["fbc"], STEPS)
    assert reason and reason.startswith("method: fbc: diffusers could not install it")
    assert not methods.active(pipe.transformer)
    assert methods.check(pipe.transformer, "pab", PARAMS["pab"], STEPS) is None


def test_unknown_method_is_an_input_error():
    pipe = tiny.build("tiny")
    with pytest.raises(methods.MethodError, match="not one of"):
        methods.apply(pipe.transformer, methods.MethodConfig("seacache", {}, STEPS))
