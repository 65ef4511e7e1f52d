"""random-5b's builder, exercised at toy size on the CPU (the real size needs a GPU)."""

import pytest
import torch

from teacache import compiled, generate, pipeline, random_model

TOY = {
    "transformer": dict(num_attention_heads=2, attention_head_dim=16, num_layers=2, text_embed_dim=32,
                        time_embed_dim=32, max_text_seq_length=16, sample_height=8, sample_width=8),
    "vae": dict(block_out_channels=(8, 8, 8, 8), layers_per_block=1, norm_num_groups=2),
    "text_encoder": dict(d_model=32, d_kv=8, d_ff=37, num_layers=1, num_heads=4, vocab_size=128),
}


@pytest.mark.parametrize("variant", ["random-5b", "random-5b-i2v"])
def test_builds_and_generates_at_toy_size(variant):
    pipe = random_model.build(variant, "cpu", torch.float32, sizes={
        **TOY, "transformer": {**TOY["transformer"], **({"ofs_embed_dim": 32} if variant.endswith("i2v") else {})}})
    facts = pipeline.facts(pipe, variant, "random", "cpu", torch.float32)
    assert facts["task"] == ("i2v" if variant.endswith("i2v") else "t2v") and facts["patch_size_t"] == 2
    embeddings, _ = generate.encode_prompt(pipe, facts, "a cat", None, 6.0)
    image = None
    if facts["task"] == "i2v":
        from PIL import Image

        image = Image.new("RGB", (32, 32))
    out = generate.denoise(pipe, facts, embeddings, decide=None, on_step=None, image=image, seed=1, steps=2,
                           guidance_scale=6.0, use_dynamic_cfg=True, height=32, width=32, frames=9)
    assert torch.isfinite(out["latents"]).all()


def test_time_mlp_is_scaled_to_the_target_distance():
    spec = {**random_model.TRANSFORMER}
    scale = random_model.time_scale(spec, False)
    proj, embedding, ofs = random_model._time_modules(spec, False)
    scheduler = random_model._scheduler()
    scheduler.set_timesteps(random_model.TIME_TARGET_STEPS)
    got = random_model._mean_distance(proj, embedding, ofs, scheduler.timesteps.float(), scale)
    assert got == pytest.approx(random_model.TIME_TARGET_DISTANCE, rel=1e-6)
    assert 0 < scale < 1  # the untrained MLP moves far more than the target


def test_refused_on_a_cpu():
    with pytest.raises(pipeline.InputError, match="needs|CUDA"):
        pipeline.load("random-5b", "cpu", "auto", False, False, "none")


def test_compiled_blocks_match_eager_and_keep_the_eager_list(tiny_t2v):
    pipe, facts = tiny_t2v
    transformer = pipe.transformer
    eager = transformer.transformer_blocks
    embeddings, _ = generate.encode_prompt(pipe, facts, "a cat", None, 6.0)

    def gen(mode, decide=None):
        compiled.use(transformer, mode)
        return generate.denoise(pipe, facts, embeddings, decide=decide, on_step=None, image=None, seed=3, steps=4,
                                guidance_scale=6.0, use_dynamic_cfg=True, height=32, width=32, frames=9)

    try:
        plain = gen("none")["latents"]
        assert compiled.use(transformer, "blocks") is True and compiled.use(transformer, "blocks") is False
        calls = []
        out = gen("blocks", decide=lambda i, t, d: calls.append(i) or i != 1)
        assert out["block_loops"] == 3 and calls == [0, 1, 2, 3]
        same = gen("blocks")["latents"]
        assert torch.allclose(same, plain, rtol=1e-4, atol=1e-5)
    finally:
        compiled.use(transformer, "none")
    assert transformer.transformer_blocks is eager
