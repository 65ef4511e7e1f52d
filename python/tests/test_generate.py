"""Decoding: frames converted on the device as diffusers converts them, written atomically."""

import numpy as np
import pytest
import torch
from PIL import Image

from teacache import generate


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.float16])
def test_device_conversion_equals_diffusers_postprocess(dtype):
    from diffusers.video_processor import VideoProcessor

    video = (torch.randn(1, 3, 5, 16, 24, generator=torch.Generator().manual_seed(0)) * 0.8).to(dtype)
    video[0, 0, 0, 0, :4] = torch.tensor([1.0, -1.0, 0.0, 0.99609375])
    old = VideoProcessor(vae_scale_factor=8).postprocess_video(video=video, output_type="np")[0]
    old = (np.clip(old, 0.0, 1.0) * 255).round().astype(np.uint8)
    new = generate.to_frames(video)
    assert new.dtype == np.uint8 and new.shape == (5, 16, 24, 3)
    assert np.array_equal(old, new)


def test_frames_are_written_whole_or_not_at_all(tmp_path, monkeypatch):
    pixels = np.random.RandomState(0).randint(0, 255, (6, 8, 8, 3), dtype=np.uint8)
    generate.write_frames(pixels, str(tmp_path / "ok"), workers=3)
    files = sorted((tmp_path / "ok").iterdir())
    assert [f.name for f in files] == [f"frame_{i:05d}.png" for i in range(6)]
    assert np.array_equal(np.asarray(Image.open(files[4])), pixels[4])

    real_save = Image.Image.save

    def failing_save(self, fp, *args, **kwargs):
        if "frame_00003" in str(fp):
            with open(fp, "wb") as f:
                f.write(b"\x89PNG truncated")
            raise OSError(28, "No space left on device")
        return real_save(self, fp, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "save", failing_save)
    with pytest.raises(OSError, match="No space left"):
        generate.write_frames(pixels, str(tmp_path / "full"), workers=2)
    names = sorted(p.name for p in (tmp_path / "full").iterdir())
    assert "frame_00003.png" not in names and not any(n.endswith(".partial") for n in names)


def test_decode_without_a_folder_writes_nothing(tiny_t2v, tmp_path):
    pipe, facts = tiny_t2v
    embeddings, _ = generate.encode_prompt(pipe, facts, "a cat", None, 6.0)
    out = generate.denoise(pipe, facts, embeddings, decide=None, on_step=None, image=None, seed=1, steps=3,
                           guidance_scale=6.0, use_dynamic_cfg=True, height=32, width=32, frames=9)
    info = generate.decode(pipe, facts, out["latents"], None)
    assert info["write_seconds"] == 0.0 and info["frames"] == 9 and 0 < info["vae_seconds"] <= info["seconds"]


def test_warmup_runs_at_the_given_shapes_and_writes_nothing(tiny_t2v, tmp_path, monkeypatch):
    pipe, facts = tiny_t2v
    monkeypatch.chdir(tmp_path)
    result = generate.warmup(pipe, facts, steps=2, guidance_scale=6.0, use_dynamic_cfg=True, height=32, width=32, frames=9)
    assert len(result["step_seconds"]) == 2 and result["decode_seconds"] > 0
    assert list(tmp_path.iterdir()) == []


def test_device_generator_on_cpu_is_the_cpu_generator(tiny_t2v):
    pipe, _ = tiny_t2v
    a = torch.randn(4, generator=generate.make_generator(pipe, "device", 7))
    b = torch.randn(4, generator=generate.make_generator(pipe, "cpu", 7))
    assert torch.equal(a, b)
