"""LPIPS with stand-in weights: random tensors of the real shapes, in a temporary torch cache and a
stand-in lpips package. Their numbers mean nothing; the loading and the computation are what is tested."""

import sys

import numpy as np
import pytest
import torch
from PIL import Image

from teacache import lpips_metric
from teacache.pipeline import InputError

# torchvision's alexnet() state dict: the feature convolutions and the classifier lpips ignores.
ALEXNET_SHAPES = {
    "features.0.weight": (64, 3, 11, 11), "features.0.bias": (64,),
    "features.3.weight": (192, 64, 5, 5), "features.3.bias": (192,),
    "features.6.weight": (384, 192, 3, 3), "features.6.bias": (384,),
    "features.8.weight": (256, 384, 3, 3), "features.8.bias": (256,),
    "features.10.weight": (256, 256, 3, 3), "features.10.bias": (256,),
    "classifier.1.weight": (4096, 9216), "classifier.1.bias": (4096,),
}


def alexnet_state(seed=0):
    g = torch.Generator().manual_seed(seed)
    return {k: torch.randn(*s, generator=g) * 0.05 for k, s in ALEXNET_SHAPES.items()}


def linear_state(scale=1.0):
    g = torch.Generator().manual_seed(1)
    return {f"lin{k}.model.1.weight": torch.rand(1, c, 1, 1, generator=g) * scale for k, c in enumerate(lpips_metric.CHANNELS)}


@pytest.fixture
def weights(tmp_path, monkeypatch):
    """A torch cache with the AlexNet file and an lpips package (that must never be imported) with its linear layers."""
    torch_home = tmp_path / "torch"
    (torch_home / "hub" / "checkpoints").mkdir(parents=True)
    alexnet = torch_home / "hub" / "checkpoints" / lpips_metric.ALEXNET_FILE
    torch.save(alexnet_state(), alexnet)
    package = tmp_path / "site" / "lpips"
    (package / "weights" / "v0.1").mkdir(parents=True)
    (package / "__init__.py").write_text("raise ImportError('lpips imports torchvision, which is not there')\n")
    torch.save(linear_state(), package / "weights" / "v0.1" / "alex.pth")
    monkeypatch.setenv("TORCH_HOME", str(torch_home))
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    return {"alexnet": str(alexnet), "linear": str(package / "weights" / "v0.1" / "alex.pth"), "tmp": tmp_path}


def frames(folder, arrays):
    folder.mkdir()
    for i, a in enumerate(arrays):
        Image.fromarray(a).save(folder / f"frame_{i:05d}.png")
    return str(folder)


def video(seed, count=3, size=40):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (size, size, 3), dtype=np.uint8) for _ in range(count)]


def test_finds_both_files_where_torch_and_pip_put_them_without_importing_lpips(weights):
    assert lpips_metric.alexnet_weights_path() == weights["alexnet"]
    assert lpips_metric.linear_weights_path() == weights["linear"]
    assert "lpips" not in sys.modules


def test_identical_frames_give_zero_and_different_frames_a_positive_value_per_frame(weights):
    a = video(0)
    ref = frames(weights["tmp"] / "ref", a)
    same = frames(weights["tmp"] / "same", a)
    other = frames(weights["tmp"] / "other", video(1))
    zero = lpips_metric.measure_dirs(ref, same, weights["alexnet"], weights["linear"])
    assert zero["frames"] == 3 and zero["per_frame"] == [0.0, 0.0, 0.0] and zero["mean"] == 0.0
    apart = lpips_metric.measure_dirs(ref, other, weights["alexnet"], weights["linear"], batch=2)
    assert len(apart["per_frame"]) == 3
    assert all(v > 0 and np.isfinite(v) for v in apart["per_frame"])
    assert apart["mean"] == pytest.approx(sum(apart["per_frame"]) / 3)


def test_the_linear_layers_weigh_the_distance(weights, tmp_path):
    ref = frames(tmp_path / "r", video(0))
    cand = frames(tmp_path / "c", video(2))
    base = lpips_metric.measure_dirs(ref, cand, weights["alexnet"], weights["linear"])["mean"]
    doubled = tmp_path / "doubled.pth"
    torch.save(linear_state(scale=2.0), doubled)
    assert lpips_metric.measure_dirs(ref, cand, weights["alexnet"], str(doubled))["mean"] == pytest.approx(2 * base, rel=1e-5)


def test_matches_the_lpips_definition_computed_by_hand(weights):
    torch.manual_seed(0)
    a, b = torch.rand(1, 3, 40, 40) * 2 - 1, torch.rand(1, 3, 40, 40) * 2 - 1
    model = lpips_metric.load(weights["alexnet"], weights["linear"])
    state, lin = torch.load(weights["alexnet"]), torch.load(weights["linear"])
    shift, scale = torch.tensor(lpips_metric.SHIFT).view(1, 3, 1, 1), torch.tensor(lpips_metric.SCALE).view(1, 3, 1, 1)
    F = torch.nn.functional

    def taps(x):
        h = (x - shift) / scale
        h1 = F.relu(F.conv2d(h, state["features.0.weight"], state["features.0.bias"], stride=4, padding=2))
        h2 = F.relu(F.conv2d(F.max_pool2d(h1, 3, 2), state["features.3.weight"], state["features.3.bias"], padding=2))
        h3 = F.relu(F.conv2d(F.max_pool2d(h2, 3, 2), state["features.6.weight"], state["features.6.bias"], padding=1))
        h4 = F.relu(F.conv2d(h3, state["features.8.weight"], state["features.8.bias"], padding=1))
        h5 = F.relu(F.conv2d(h4, state["features.10.weight"], state["features.10.bias"], padding=1))
        return [h1, h2, h3, h4, h5]

    unit = lambda t: t / (t.pow(2).sum(1, keepdim=True).sqrt() + 1e-10)  # noqa: E731
    expected = sum((F.conv2d((unit(x) - unit(y)) ** 2, lin[f"lin{k}.model.1.weight"])).mean() for k, (x, y) in enumerate(zip(taps(a), taps(b))))
    with torch.no_grad():
        assert float(model(a, b)[0]) == pytest.approx(float(expected), rel=1e-5)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda s: s.pop("features.3.weight"), "features.3.weight should be a tensor of shape (192, 64, 5, 5), found missing"),
        (lambda s: s.__setitem__("features.0.bias", torch.zeros(32)), "features.0.bias should be a tensor of shape (64,), found shape (32,)"),
    ],
)
def test_a_wrong_state_dict_is_refused_naming_the_file_and_the_key(weights, tmp_path, change, message):
    state = alexnet_state()
    change(state)
    path = tmp_path / "bad.pth"
    torch.save(state, path)
    with pytest.raises(InputError, match=f"{path}: {message}".replace("(", r"\(").replace(")", r"\)")):
        lpips_metric.load(str(path), weights["linear"])


def test_refuses_what_is_not_a_state_dict_and_frames_too_small(weights, tmp_path):
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(InputError, match="not a PyTorch state dict"):
        lpips_metric.load(str(junk), weights["linear"])
    small = frames(tmp_path / "small", video(0, size=16))
    with pytest.raises(InputError, match="at least 31x31"):
        lpips_metric.measure_dirs(small, small, weights["alexnet"], weights["linear"])
