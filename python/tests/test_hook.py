"""The TeaCache mechanism on the tiny pipelines: exactness, real skipping, isolation, recovery.

The `decide` callables here are fixtures standing in for the TypeScript policy; the policy
itself is tested in test/policy.
"""

import numpy as np
import pytest
import torch

from teacache import forward, generate, hook, pipeline, tiny

SIZE = dict(height=32, width=32, frames=9)


def run(pipe, facts, *, decide=None, steps=6, seed=42, prompt="a cat", image=None, size=SIZE):
    embeddings, _ = generate.encode_prompt(pipe, facts, prompt, None, 6.0)
    out = generate.denoise(
        pipe, facts, embeddings, decide=decide, on_step=None, image=image, seed=seed, steps=steps,
        guidance_scale=6.0, use_dynamic_cfg=True, **size,
    )
    return out


def decide_every(n):
    calls = []

    def decide(index, timestep, distance):
        calls.append((index, timestep, distance))
        return index % n == 0

    decide.calls = calls
    return decide


def always(index, timestep, distance):
    return True


def count_block_calls(transformer):
    counts = {"n": 0}
    handles = [b.register_forward_hook(lambda *_: counts.__setitem__("n", counts["n"] + 1)) for b in transformer.transformer_blocks]
    return counts, handles


def test_threshold_zero_equals_unpatched(tiny_t2v):
    pipe, facts = tiny_t2v
    plain = run(pipe, facts)["latents"]
    patched = run(pipe, facts, decide=always)
    assert patched["block_loops"] == 6
    assert torch.equal(plain, patched["latents"])


def test_skipped_steps_do_not_call_blocks(tiny_t2v):
    pipe, facts = tiny_t2v
    baseline = run(pipe, facts)["latents"]
    counts, handles = count_block_calls(pipe.transformer)
    try:
        decide = decide_every(2)
        out = run(pipe, facts, decide=decide)
    finally:
        for h in handles:
            h.remove()
    computed = sum(1 for i, _, _ in decide.calls if i % 2 == 0)
    assert [i for i, _, _ in decide.calls] == list(range(6))
    assert decide.calls[0][2] is None and all(d is not None and d > 0 for _, _, d in decide.calls[1:])
    assert out["block_loops"] == computed == 3
    assert counts["n"] == computed * len(pipe.transformer.transformer_blocks)
    assert out["latents"].shape == baseline.shape
    assert not torch.equal(out["latents"], baseline)


def test_state_is_per_instance_and_removable():
    p1, f1 = pipeline.load("tiny", "cpu", "float32", False, False, "none")
    p2, f2 = pipeline.load("tiny", "cpu", "float32", False, False, "none")
    cls_forward = type(p1.transformer).forward
    expected = run(p2, f2)["latents"]
    seen = []

    def recording(index, timestep, distance):
        seen.append(index)
        # While p1 is mid-generation, p2 runs a whole uncached generation of its own.
        if index == 2:
            assert torch.equal(run(p2, f2)["latents"], expected)
        return True

    run(p1, f1, decide=recording)
    assert seen == list(range(6))
    assert hook.state_of(p2.transformer) is None
    assert type(p1.transformer).forward is cls_forward
    # Everything came off with the generation: diffusers' forward again, from the class.
    assert hook.state_of(p1.transformer) is None and "forward" not in p1.transformer.__dict__
    assert not p1.transformer._diffusers_hook.hooks


def test_interrupted_generation_then_different_step_count(tiny_t2v):
    pipe, facts = tiny_t2v

    def interrupting(index, timestep, distance):
        if index == 3:
            raise RuntimeError("cancelled by the user")
        return index % 2 == 0

    with pytest.raises(RuntimeError, match="cancelled"):
        run(pipe, facts, decide=interrupting, steps=6)
    # The failed generation took its hooks off: nothing armed, no residuals kept.
    assert hook.state_of(pipe.transformer) is None and not pipe.transformer._diffusers_hook.hooks
    seen = []
    out = run(pipe, facts, decide=lambda i, t, d: seen.append(i) or True, steps=4)
    assert seen == [0, 1, 2, 3]
    assert torch.equal(out["latents"], run(pipe, facts, steps=4)["latents"])


@pytest.mark.parametrize(
    "answer, message",
    [(1, "expected a boolean"), (None, "expected a boolean")],
)
def test_bad_policy_answer_is_an_error(tiny_t2v, answer, message):
    pipe, facts = tiny_t2v
    with pytest.raises(forward.TeaCacheError, match=message):
        run(pipe, facts, decide=lambda i, t, d: answer)


def test_reusing_before_any_computed_step_is_an_error(tiny_t2v):
    pipe, facts = tiny_t2v
    with pytest.raises(forward.TeaCacheError, match="first step of a generation must be computed"):
        run(pipe, facts, decide=lambda i, t, d: False)


def test_more_steps_than_announced_is_an_error(tiny_t2v):
    pipe, facts = tiny_t2v
    state = hook.apply(pipe.transformer)
    state.begin(always, 2)
    embeddings, _ = generate.encode_prompt(pipe, facts, "a cat", None, 6.0)
    with pytest.raises(forward.TeaCacheError, match="announced 2 steps"):
        with torch.no_grad():
            pipe(prompt_embeds=embeddings[0], negative_prompt_embeds=embeddings[1], num_inference_steps=4,
                 height=32, width=32, num_frames=9, output_type="latent")
    state.end()


@pytest.mark.parametrize("variant", ["tiny-i2v", "tiny-1.0", "tiny-1.0-i2v"])
def test_other_variants_match_unpatched(variant, tmp_path):
    pipe, facts = pipeline.load(variant, "cpu", "float32", False, False, "none")
    # 1.0 I2V has learned positional embeddings, fixed to the sample size it was built with.
    size = dict(height=64, width=64, frames=17) if variant == "tiny-1.0-i2v" else SIZE
    image = None
    if facts["task"] == "i2v":
        from PIL import Image

        image = str(tmp_path / "first.png")
        Image.fromarray((np.random.RandomState(0).rand(32, 32, 3) * 255).astype("uint8")).save(image)
    plain = run(pipe, facts, image=image, size=size)["latents"]
    patched = run(pipe, facts, decide=always, image=image, size=size)
    assert torch.equal(plain, patched["latents"])
    skipping = run(pipe, facts, decide=lambda i, t, d: i in (0, 5), image=image, size=size)
    assert skipping["block_loops"] == 2 and skipping["latents"].shape == plain.shape


def test_saved_folder_loads_through_the_real_path(tiny_t2v, tmp_path):
    pipe, facts = tiny_t2v
    folder = tmp_path / "tiny-saved"
    tiny.build("tiny").save_pretrained(folder)
    loaded, loaded_facts = pipeline.load(str(folder), "cpu", "float32", False, False, "none")
    assert loaded_facts["source"] == str(folder) and loaded_facts["pipeline_class"] == "CogVideoXPipeline"
    assert torch.equal(run(pipe, facts, decide=always)["latents"], run(loaded, loaded_facts, decide=always)["latents"])


def test_not_a_pipeline_folder_is_an_input_error(tmp_path):
    with pytest.raises(pipeline.InputError, match="model_index.json"):
        pipeline.load(str(tmp_path), "cpu", "float32", False, False, "none")


def test_decoded_frames_are_lossless_png(tiny_t2v, tmp_path):
    pipe, facts = tiny_t2v
    out = run(pipe, facts, decide=always)
    info = generate.decode(pipe, facts, out["latents"], str(tmp_path / "frames"))
    files = sorted((tmp_path / "frames").glob("frame_*.png"))
    assert info["frames"] == len(files) == 9 and (info["height"], info["width"]) == (32, 32)
    from PIL import Image

    assert Image.open(files[0]).mode == "RGB"


def test_installs_underneath_accelerate_offload_hooks(tiny_t2v):
    """With CPU offload, accelerate wraps forward; TeaCache must run inside that wrapper, and leave it intact."""
    from accelerate.hooks import ModelHook, add_hook_to_module, remove_hook_from_module

    pipe, facts = tiny_t2v
    hook.remove(pipe.transformer)
    plain = run(pipe, facts)["latents"]

    class Counting(ModelHook):
        calls = 0

        def pre_forward(self, module, *args, **kwargs):
            Counting.calls += 1
            return args, kwargs

    add_hook_to_module(pipe.transformer, Counting())
    try:
        out = run(pipe, facts, decide=always)
        assert Counting.calls == 6 and out["block_loops"] == 6
        assert torch.equal(out["latents"], plain)
        hook.remove(pipe.transformer)
        assert torch.equal(run(pipe, facts)["latents"], plain) and Counting.calls == 12
    finally:
        remove_hook_from_module(pipe.transformer)
    assert torch.equal(run(pipe, facts)["latents"], plain)


def test_the_teacache_forward_is_a_hook_in_diffusers_registry(tiny_t2v):
    pipe, facts = tiny_t2v
    transformer = pipe.transformer
    seen = []

    def looking(index, timestep, distance):
        seen.append(list(transformer._diffusers_hook._hook_order))
        return True

    run(pipe, facts, decide=looking, steps=2)
    # Declared order (attach.py): the forward innermost, the counters around it; none of them left after.
    assert seen == [[hook.NAME]] * 2
    assert not transformer._diffusers_hook.hooks and "forward" not in transformer.__dict__


def test_lora_scale_is_taken_out_of_attention_kwargs(tiny_t2v):
    pipe, facts = tiny_t2v
    seen = []
    block = pipe.transformer.transformer_blocks[0]
    handle = block.register_forward_pre_hook(lambda m, a, kw: seen.append(kw.get("attention_kwargs")), with_kwargs=True)
    try:
        state = hook.apply(pipe.transformer)
        state.begin(always, 1)
        latents = torch.zeros(2, 2, 4, 4, 4)  # (batch, latent frames, channels, h, w)
        text = torch.zeros(2, 16, 32)
        with torch.no_grad():
            pipe.transformer(latents, text, torch.tensor([999, 999]), attention_kwargs={"scale": 0.5, "other": 1})
        state.end()
    finally:
        handle.remove()
        hook.remove(pipe.transformer)
    assert seen == [{"other": 1}]


def test_checkpoint_code_is_not_run_unless_trusted(tmp_path):
    import json

    (tmp_path / "model_index.json").write_text(json.dumps({
        "_class_name": "CogVideoXPipeline", "transformer": ["my_transformer", "MyTransformer"],
        "vae": ["diffusers", "AutoencoderKLCogVideoX"], "unused": [None, None],
    }))
    (tmp_path / "my_transformer.py").write_text("raise SystemExit('remote code ran')\n")
    assert pipeline.custom_components(json.loads((tmp_path / "model_index.json").read_text())) == ["transformer"]
    with pytest.raises(pipeline.InputError, match="trust_remote_code: true"):
        pipeline.load(str(tmp_path), "cpu", "float32", False, False, "none")
